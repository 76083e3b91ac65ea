package jrunit.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tarball: install.sh into a temporary prefix, the same scenario from there, --uninstall leaves nothing. */
class TarballIT {
    @TempDir Path tmp;

    @Test
    void installRunUninstall() throws Exception {
        Run.of("tar", "-C", tmp.toString(), "-xzf", Tree.tarball().toString()).ok("unpack");
        Path unpacked;
        try (var dirs = Files.list(tmp)) {
            unpacked = dirs.filter(d -> d.getFileName().toString().startsWith("jrunit-")).findFirst().orElseThrow();
        }
        Path prefix = tmp.resolve("prefix with space");
        Run.of(Map.of("PATH", "/usr/bin:/bin"), tmp, unpacked.resolve("install.sh").toString(), "--prefix", prefix.toString())
                .ok("install.sh");
        Path bin = prefix.resolve("bin");
        for (String tool : Tree.TOOLS) assertTrue(Files.isExecutable(bin.resolve(tool)), tool);

        // the relocated tree still starts from its caches (they are checked against the jars, not the path)
        Path launcher = Tree.verboseLauncher(bin, "sv", tmp.resolve("sv-verbose"));
        Run r = Run.of(Map.of("PATH", "/usr/bin:/bin", "JRUNIT_JAVA_HOME", Tree.javaHome()), tmp, launcher.toString());
        assertTrue(r.out().contains("Using AOT-linked classes: true"), r.out() + r.err());

        Path work = Files.createDirectories(tmp.resolve("work"));
        try (Scenario s = new Scenario(bin, work)) {
            s.run(prefix.resolve("share/bash-completion/completions/sv"), "_jrunit_direct", List.of("sv", "status"));
        }

        Run.of(Map.of("PATH", "/usr/bin:/bin"), tmp, unpacked.resolve("install.sh").toString(), "--prefix", prefix.toString(),
                "--uninstall").ok("install.sh --uninstall");
        try (var left = Files.walk(prefix)) {
            assertEquals(List.of(prefix), left.toList(), "uninstall leaves the prefix empty");
        }
    }

    @Test
    void installRejectsARelativePrefixAndUnknownArguments() throws Exception {
        Run.of("tar", "-C", tmp.toString(), "-xzf", Tree.tarball().toString()).ok("unpack");
        Path install;
        try (var dirs = Files.list(tmp)) {
            install = dirs.findFirst().orElseThrow().resolve("install.sh");
        }
        Run relative = Run.of(Map.of("PATH", "/usr/bin:/bin"), tmp, install.toString(), "--prefix", "relative/dir");
        assertEquals(100, relative.exit());
        assertTrue(relative.err().contains("absolute"), relative.err());
        Run unknown = Run.of(Map.of("PATH", "/usr/bin:/bin"), tmp, install.toString(), "--frob");
        assertEquals(100, unknown.exit());
        assertTrue(unknown.err().contains("unknown argument: --frob"), unknown.err());
    }
}
