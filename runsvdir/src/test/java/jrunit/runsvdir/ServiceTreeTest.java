package jrunit.runsvdir;

import jrunit.common.testing.Tools;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** What every runsvdir test starts from: a temporary service tree, every process in it ended afterwards. */
abstract class ServiceTreeTest {
    @TempDir
    Path tmp;
    ServiceTree tree;

    @BeforeEach
    void setUpTree() throws Exception {
        assumeTrue(Tools.runitInstalled(), "needs Debian's runit (apt-get install runit)");
        tree = new ServiceTree(tmp);
    }

    @AfterEach
    void closeTree() {
        if (tree != null) tree.close();
    }
}
