package jrunit.packaging;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jrunit.common.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The end-to-end scenario that the .deb and tarball tests run, run here against Debian's runit binaries laid
 * out like an installed jrunit tree (bin/ of symlinks to runit's tools, our share/): it shows that the scenario
 * asks for runit's real behaviour, and checks the parts that are ours (man pages, completion) on their own.
 */
class ScenarioWithRunitIT {
    @TempDir Path tmp;

    @Test
    void theScenarioPassesWithRunitItself() throws Exception {
        assumeTrue(Tools.runitInstalled(), "needs Debian's runit (apt-get install runit)");
        LauncherIT.assumeProgram("man");
        Path prefix = tmp.resolve("runit-tree");
        Path bin = Files.createDirectories(prefix.resolve("bin"));
        for (String tool : Tree.TOOLS) Files.createSymbolicLink(bin.resolve(tool), Path.of(Tools.runit(tool)));
        Tree.copy(Tree.built().resolve("share"), prefix.resolve("share"));
        try (Scenario s = new Scenario(bin, Files.createDirectories(tmp.resolve("work")))) {
            s.run(prefix.resolve("share/bash-completion/completions/sv"), "_jrunit_direct", List.of("sv", "status"));
        } finally {
            for (String tool : Tree.TOOLS) Files.deleteIfExists(bin.resolve(tool));   // the links, before @TempDir warns
        }
    }
}
