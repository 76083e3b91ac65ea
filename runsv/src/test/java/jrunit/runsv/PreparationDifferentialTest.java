package jrunit.runsv;

import jrunit.common.Posix;
import jrunit.common.testing.Tools;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A log script's preparation lines run by /bin/sh and the coreutils commands in one tree, and by
 * {@link LogRunScript#prepare} in another alike: the same tree after (names, types, modes, owners,
 * link targets), the same bytes on stdout and stderr, the same status.
 */
class PreparationDifferentialTest {
    @TempDir
    Path tmp;
    Path bin;

    @BeforeEach
    void ourTools() throws IOException {
        bin = Tools.jrunitBinDir(tmp.resolve("bin"), "svlogd", "chpst");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "mkdir -p ./main",
        "mkdir -p -m 0750 a/b/c",
        "mkdir -m 2750 d\nmkdir -m 00750 d/e\nmkdir -m 1777 d/s\nmkdir -pm 700 d/p/q",
        "mkdir x\nmkdir x\nmkdir y",
        "mkdir missing/x",
        "set -e\nmkdir missing/x\nmkdir y",
        "mkdir -p f/x\nmkdir -p f\nmkdir -p f/\nmkdir -p t//sub/new/../x\nmkdir -p ./t/./sub/y",
        "mkdir -p dang/x\nmkdir -p dang\nmkdir dang",
        "mkdir ''\nmkdir -p ''",
        "mkdir sg/plain\nmkdir -m 750 sg/k\nmkdir -m 00750 sg/l\nmkdir -m 2750 sg/m\nmkdir -p sg/a/b",
        "chmod 750 t\nchmod -R 700 tl\nchmod 755 missing\nchmod 755 dang\nchmod -R 640 t/sub",
        "chmod 750 sg\nchmod 00750 sg\nchmod 4755 f\nchmod 755 f/",
        "chmod 755 \"it's\" 'a b' 'x\"y' \"x'=y\" tab\"\t\"x bücher 'a#b' '#a' '{' 'a{b' '~' 'a?' 'a\"'\"'\"",
        "mkdir \"it's\"/x bücher/x 'tab\tx/y'",
        "[ -d main ] || mkdir main\ntest -d f || mkdir f\n[ -d sg ] || mkdir sg\n[ -d dang ] || mkdir -p dang\n[ -d '' ] || mkdir ''",
        "exec 2>&1\nmkdir missing/x",
        "mkdir missing/a\nexec 2>&1\nmkdir missing/b",
        "install -d i/j/k\ninstall -d -m 750 sg/j\ninstall -d sg/i\ninstall -d f\ninstall -d f/y\ninstall -d dang",
        "install -d -m 2750 i\ninstall -d t\ninstall -dm 0700 t/sub",
        "set -e\ninstall -d -m 750 ok\ninstall -d f\ninstall -d after",
        // needing root
        "chown -R nobody t\nchown nobody:nogroup f\nchown -R daemon tl\nchown nobody dang\nchown -R nobody dang",
        "chown nosuchuser f\nchown root.root f\nchown 99999: f\nchown :nosuchgrp f\nchown nobody:nosuchgrp f\nchown 1:2 f\nchown +3 t\nchown '' t\nchown : t",
        "chown nobody: sg\nchown -R :nogroup t/sub\nchown daemon missing f",
        "install -d -m 750 -o nobody -g nogroup i/j/k\ninstall -d -o nobody sg/o\ninstall -d -g nogroup t\ninstall -d -o nosuch z\ninstall -d -g nosuch z",
        "install -d -o 12345 -g 23456 n\ninstall -d -o daemon -m 2770 sg",
        "set -e\nchown nobody f\nchown nosuchuser f\nmkdir after",
    })
    void sameTreeSameMessagesSameStatus(String lines) throws Exception {
        boolean needsRoot = lines.contains("chown") || lines.contains(" -o ") || lines.contains(" -g ");
        assumeTrue(!needsRoot || Posix.geteuid() == 0, "needs root: chown to other users");
        compare(lines);
    }

    /** mkdir -m and install are not masked by the umask, ancestors always get u+wx: runsv's umask is not theirs. */
    @ParameterizedTest
    @ValueSource(ints = {077, 0377, 0})
    void underAnotherUmask(int umask) throws Exception {
        int old = Posix.umask(umask);
        try {
            compare("mkdir -p -m 0750 a/b/c\nmkdir -p p/q\nmkdir -m 777 k\nmkdir s\nmkdir -m 1777 sg/t\n"
                    + "install -d i/j\ninstall -d -m 775 x/y\ninstall -d -m 2755 sg/u/v");
        } finally {
            Posix.umask(old);
        }
    }

    private void compare(String lines) throws Exception {
        Path shellDir = tree(tmp.resolve("shell"));
        Path ownDir = tree(tmp.resolve("own"));

        Outcome shell = viaShell(lines, shellDir);
        Outcome own = inProcess(lines, ownDir);

        assertEquals(shell.stderr(), own.stderr(), "stderr");
        assertEquals(shell.stdout(), own.stdout(), "stdout");
        assertEquals(shell.status(), own.status(), "status");
        assertEquals(snapshot(shellDir), snapshot(ownDir), "tree");
    }

    record Outcome(int status, String stdout, String stderr) {}

    /** The lines in a script of their own, as the real log/run would run them (the exec line left out). */
    private Outcome viaShell(String lines, Path logDir) throws Exception {
        Path script = Files.writeString(tmp.resolve("prepare.sh"), lines + "\nexit 0\n", StandardCharsets.UTF_8);
        Path out = tmp.resolve("shell.out"), err = tmp.resolve("shell.err");
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", script.toString()).directory(logDir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        Map<String, String> env = pb.environment();
        env.clear();
        env.put("PATH", "/usr/bin:/bin");
        env.put("LC_ALL", "C");
        Process p = pb.start();
        try {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "sh did not finish");
        } finally {
            p.destroyForcibly();
        }
        return new Outcome(p.exitValue(), Files.readString(out, StandardCharsets.ISO_8859_1),
                Files.readString(err, StandardCharsets.ISO_8859_1));
    }

    private Outcome inProcess(String lines, Path logDir) {
        byte[] script = ("#!/bin/sh\n" + lines + "\nexec svlogd -tt ./main\n").getBytes(StandardCharsets.UTF_8);
        LogRunScript.Recognition r = LogRunScript.examine(script, logDir, bin + ":/usr/bin:/bin", bin);
        assertNotNull(r.plan(), r.reason());
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = LogRunScript.prepare(r.plan(), logDir, out, err);
        return new Outcome(status, out.toString(StandardCharsets.ISO_8859_1), err.toString(StandardCharsets.ISO_8859_1));
    }

    /**
     * A log directory with something of everything: a file, a set-group-ID directory, a tree with a
     * link inside, a link to a directory, a dangling link.
     */
    private static Path tree(Path root) throws IOException {
        Path log = Files.createDirectories(root.resolve("log"));
        Files.writeString(log.resolve("f"), "x");
        Files.createDirectories(log.resolve("sg"));
        Posix.chmod(log.resolve("sg").toString(), 02755);
        Files.createDirectories(log.resolve("t/sub"));
        Files.writeString(log.resolve("t/sub/file"), "y");
        Files.createSymbolicLink(log.resolve("t/sub/l"), Path.of("../../f"));
        Files.createSymbolicLink(log.resolve("tl"), Path.of("t"));
        Files.createSymbolicLink(log.resolve("dang"), Path.of("nowhere"));
        return log;
    }

    /** Every path below {@code dir}: type, mode, owner, link target. */
    private static List<String> snapshot(Path dir) throws IOException {
        List<String> lines = new ArrayList<>();
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted().toList()) {
                Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid", LinkOption.NOFOLLOW_LINKS);
                int mode = (Integer) a.get("mode");
                String line = dir.relativize(p) + " " + Integer.toOctalString(mode) + " " + a.get("uid") + ":" + a.get("gid");
                if (Files.isSymbolicLink(p)) line += " -> " + Files.readSymbolicLink(p);
                lines.add(line);
            }
        }
        return lines;
    }
}
