package jrunit.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launchers of the built tree: AOT caches made, used, and ignored silently when stale; environment untouched. */
class LauncherIT {
    @TempDir Path tmp;

    private static Map<String, String> env(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
        return m;
    }

    @Test
    void theTreeHasEveryLauncherItsCacheAndThePersonalities() throws IOException {
        Path tree = Tree.built();
        for (String tool : Tree.TOOLS) {
            assertTrue(Files.isExecutable(tree.resolve("bin").resolve(tool)), "launcher " + tool);
            Path cache = tree.resolve("lib/jrunit/aot/" + tool + ".aot");
            assertTrue(Files.size(cache) > 1_000_000, "AOT cache made at build time: " + cache);
            assertTrue(Files.isRegularFile(tree.resolve("share/man/man8/" + tool + ".8.gz")), "man page " + tool);
            assertTrue(Files.isRegularFile(tree.resolve("share/bash-completion/completions/" + tool)), "completion " + tool);
        }
        for (String p : Tree.PERSONALITIES) {
            assertEquals(Path.of("chpst"), Files.readSymbolicLink(tree.resolve("bin").resolve(p)), p);
        }
        Path hosted = tree.resolve("lib/jrunit/aot/runsvdir-hosted.aot");
        assertTrue(Files.size(hosted) > 1_000_000, "AOT cache made at build time: " + hosted);
    }

    @Test
    void everyToolStartsFromItsCache() throws IOException {
        Path bin = Tree.built().resolve("bin");
        for (String tool : Tree.TOOLS) {
            Path launcher = Tree.verboseLauncher(bin, tool, tmp.resolve(tool + "-verbose"));
            Run r = Run.of(Map.of("PATH", "/usr/bin:/bin", "JRUNIT_JAVA_HOME", Tree.javaHome()), tmp, launcher.toString());
            assertTrue(r.out().contains("Using AOT-linked classes: true"),
                    tool + " did not use its cache:\n" + r.out() + r.err());
        }
        // runsvdir --hosted has a cache of its own (a usage error: no directory given)
        Path launcher = Tree.verboseLauncher(bin, "runsvdir", tmp.resolve("runsvdir-hosted-verbose"));
        Run r = Run.of(Map.of("PATH", "/usr/bin:/bin", "JRUNIT_JAVA_HOME", Tree.javaHome()), tmp, launcher.toString(), "--hosted");
        assertTrue(r.out().contains("Using AOT-linked classes: true") && r.out().contains("runsvdir-hosted.aot"),
                "runsvdir --hosted did not use its cache:\n" + r.out() + r.err());
    }

    /** A cache that does not fit (another JDK, truncated, re-touched, another tool's) changes nothing but speed. */
    @Test
    void aStaleCacheIsIgnoredSilently() throws IOException {
        Path tree = Tree.copy(Tree.built(), tmp.resolve("tree"));
        Path aot = tree.resolve("lib/jrunit/aot");
        Path saved = Tree.copy(aot, tmp.resolve("aot-saved"));
        Path otherJdk = tmp.resolve("other-jdk");
        // another JDK 25: a jlink image of this one has other modules, so the JVM must reject the cache
        Run.of(Path.of(Tree.javaHome(), "bin", "jlink").toString(), "--add-modules",
                "java.base,java.logging,java.xml,java.naming,java.management,jdk.unsupported",
                "--strip-debug", "--no-header-files", "--no-man-pages", "--output", otherJdk.toString()).ok("jlink");
        Map<String, String> env = env("PATH", "/usr/bin:/bin", "JRUNIT_JAVA_HOME", Tree.javaHome());
        Map<String, String> envOtherJdk = env("PATH", "/usr/bin:/bin", "JRUNIT_JAVA_HOME", otherJdk.toString());
        for (String tool : Tree.TOOLS) {
            String launcher = tree.resolve("bin").resolve(tool).toString();
            Path cache = aot.resolve(tool + ".aot");
            Files.delete(cache);
            Run without = Run.of(env, tmp, launcher);

            Files.copy(saved.resolve(tool + ".aot"), cache);
            assertSame(without, Run.of(envOtherJdk, tmp, launcher), tool + " on another JDK");

            byte[] whole = Files.readAllBytes(cache);
            Files.write(cache, java.util.Arrays.copyOf(whole, whole.length / 3));
            assertSame(without, Run.of(env, tmp, launcher), tool + " with a truncated cache");

            Files.write(cache, whole);
            Files.setLastModifiedTime(cache, FileTime.fromMillis(0));
            assertSame(without, Run.of(env, tmp, launcher), tool + " with a re-touched cache");

            String other = tool.equals("sv") ? "svlogd" : "sv";
            Files.copy(saved.resolve(other + ".aot"), cache, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            assertSame(without, Run.of(env, tmp, launcher), tool + " with " + other + "'s cache");
        }
    }

    private static void assertSame(Run expected, Run actual, String what) {
        assertEquals(expected.exit(), actual.exit(), what + ": exit code");
        assertEquals(expected.err(), actual.err(), what + ": stderr");
        assertEquals(expected.out(), actual.out(), what + ": stdout");
    }

    /** A launcher made from the same template for a main class that prints its environment. */
    private Path envDumpLauncher(Path tree) throws IOException {
        String template = Files.readString(Tree.module().resolve("src/launcher/launcher.sh"));
        // a jar, as the tools have: an AOT cache cannot record classes from a directory
        Path classes = Path.of(EnvDump.class.getProtectionDomain().getCodeSource().getLocation().getPath());
        Path jar = tree.resolve("lib/jrunit/envdump.jar");
        Run.of(Path.of(Tree.javaHome(), "bin", "jar").toString(), "cf", jar.toString(), "-C", classes.toString(),
                EnvDump.class.getName().replace('.', '/') + ".class").ok("jar");
        Path launcher = tree.resolve("bin/envdump");
        Files.writeString(launcher, template.replace("@TOOL@", "envdump").replace("@MAIN@", EnvDump.class.getName())
                .replace("@JVM_OPTS@", "-XX:+UseSerialGC -XX:TieredStopAtLevel=1").replace("@CLASSPATH@", jar.toString()));
        launcher.toFile().setExecutable(true);
        return launcher;
    }

    /**
     * HotSpot raises its open-files soft limit to the hard limit unless told not to (-XX:-MaxFDLimit);
     * a service must see the limit its supervisor's caller had, as under runit.
     */
    @Test
    void aServiceKeepsItsCallersOpenFilesLimit() throws Exception {
        Path svc = Files.createDirectories(tmp.resolve("limits"));
        Path seen = svc.resolve("nofile");
        Files.writeString(svc.resolve("run"), "#!/bin/sh\nulimit -Sn > nofile.new && mv nofile.new nofile\nexec sleep 1000\n");
        svc.resolve("run").toFile().setExecutable(true);
        Path runsv = Tree.built().resolve("bin/runsv");
        Process p = new ProcessBuilder("sh", "-c", "ulimit -Sn 512 && exec \"$0\" \"$1\"", runsv.toString(), svc.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            long end = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
            while (!Files.exists(seen) && System.nanoTime() < end && p.isAlive()) Thread.sleep(20);
            assertTrue(Files.exists(seen), "run never wrote its limit (runsv alive: " + p.isAlive() + ")");
            assertEquals("512", Files.readString(seen).trim(), "the service's open-files soft limit");
        } finally {
            if (p.isAlive()) {
                try (var ctl = new java.io.FileOutputStream(svc.resolve("supervise/control").toFile())) {
                    ctl.write('x');
                } catch (IOException e) {
                    // runsv never got as far as its control FIFO: the kill below ends it
                }
                if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) p.destroyForcibly().waitFor();
            }
            String pid = Files.exists(svc.resolve("supervise/pid")) ? Files.readString(svc.resolve("supervise/pid")).trim() : "";
            if (!pid.isEmpty()) ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void theLauncherAddsNothingToTheEnvironment() throws IOException {
        Path tree = Tree.copy(Tree.built(), tmp.resolve("tree"));
        Path launcher = envDumpLauncher(tree);
        // names the launcher and find-jdk.sh might have used for their own variables, exported by the caller
        Map<String, String> caller = new TreeMap<>(env("PATH", "/usr/bin:/bin", "HOME", "/nonexistent",
                "JRUNIT_JAVA_HOME", Tree.javaHome(), "lib", "caller's lib", "self", "caller's self", "jdk", "caller's jdk",
                "aot", "caller's aot", "_home", "h", "_m", "m", "_v", "v", "_line", "l", "_best", "b",
                "JAVA_HOME", "/nonexistent-jdk", "SPACES", " a  b\tc ", "LANG", "C.UTF-8"));
        Run r = Run.of(caller, tmp, launcher.toString()).ok("envdump");
        Map<String, String> seen = new TreeMap<>();
        for (String line : r.out().lines().toList()) {
            int eq = line.indexOf('=');
            seen.put(line.substring(0, eq), line.substring(eq + 1));
        }
        assertEquals(caller, seen, "the JVM (and so every child it spawns) must see exactly the caller's environment");
        assertEquals("", r.err(), "nothing on stderr");
    }

    @Test
    void theLauncherKeepsAnEmptyOrStaleEnvironmentAsItIs() throws IOException {
        Path tree = Tree.copy(Tree.built(), tmp.resolve("tree"));
        Path launcher = envDumpLauncher(tree);
        // nothing but the JDK: the shell must not leave its own PWD behind
        Run r = Run.of(Map.of("JRUNIT_JAVA_HOME", Tree.javaHome()), tmp, launcher.toString()).ok("envdump");
        assertEquals("JRUNIT_JAVA_HOME=" + Tree.javaHome() + "\n", r.out());
        // a PWD that is not the working directory is the caller's business
        Run stale = Run.of(Map.of("JRUNIT_JAVA_HOME", Tree.javaHome(), "PWD", "/elsewhere", "OLDPWD", "/before"), tmp,
                launcher.toString()).ok("envdump");
        assertEquals("JRUNIT_JAVA_HOME=" + Tree.javaHome() + "\nOLDPWD=/before\nPWD=/elsewhere\n", stale.out());
    }

    @Test
    void theTrainingHookWritesACacheAndIsNotInherited() throws IOException {
        Path tree = Tree.copy(Tree.built(), tmp.resolve("tree"));
        Path launcher = envDumpLauncher(tree);
        Path cache = tmp.resolve("envdump.aot");
        Run r = Run.of(env("PATH", "/usr/bin:/bin", "JRUNIT_JAVA_HOME", Tree.javaHome(), "JRUNIT_AOT_TRAIN", cache.toString()),
                tmp, launcher.toString()).ok("training run");
        assertTrue(Files.size(cache) > 1_000_000, "training wrote " + cache);
        assertFalse(r.out().contains("JRUNIT_AOT_TRAIN="), "the hook is unset before the JVM starts:\n" + r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.equals("PATH=/usr/bin:/bin")), r.out());
    }

    @Test
    void theJrunitCommandRunsToolsByName() {
        Path bin = Tree.built().resolve("bin");
        Run usage = Run.of(Map.of("PATH", "/usr/bin:/bin"), tmp, bin.resolve("jrunit").toString());
        assertEquals(100, usage.exit());
        assertTrue(usage.err().startsWith("usage: jrunit TOOL"), usage.err());
        Run bindir = Run.of(Map.of("PATH", "/usr/bin:/bin"), tmp, bin.resolve("jrunit").toString(), "bindir").ok("bindir");
        assertEquals(bin.toAbsolutePath().normalize().toString() + "\n", bindir.out());
        // `jrunit sv ...` is exactly bin/sv ...
        Map<String, String> env = Map.of("PATH", "/usr/bin:/bin", "JRUNIT_JAVA_HOME", Tree.javaHome());
        Run direct = Run.of(env, tmp, bin.resolve("sv").toString(), "status", tmp.resolve("none").toString());
        Run viaJrunit = Run.of(env, tmp, bin.resolve("jrunit").toString(), "sv", "status", tmp.resolve("none").toString());
        assertSame(direct, viaJrunit, "jrunit sv");
    }

    @Test
    void manPagesRenderWithoutWarnings() {
        assumeProgram("man");
        for (String page : List.of("man8/runsv.8.gz", "man8/runsvdir.8.gz", "man8/runsvchdir.8.gz", "man8/sv.8.gz",
                "man8/chpst.8.gz", "man8/svlogd.8.gz", "man1/jrunit.1.gz")) {
            Path file = Tree.built().resolve("share/man").resolve(page);
            Run r = Run.of(Map.of("PATH", "/usr/bin:/bin", "MANWIDTH", "80", "LC_ALL", "C.UTF-8"), tmp,
                    "man", "--warnings", "-E", "UTF-8", "-l", file.toString()).ok("man -l " + page);
            assertEquals("", r.err(), page + ": groff warnings");
            assertTrue(r.out().contains("EXIT STATUS"), page + " documents its exit codes");
        }
    }

    static void assumeProgram(String program) {
        org.junit.jupiter.api.Assumptions.assumeTrue(Run.onPath(program), "needs " + program + " (apt-get install)");
    }
}
