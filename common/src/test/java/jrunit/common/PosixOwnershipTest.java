package jrunit.common;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** mkdir, chmod, chown (and lchown): their effects and their errors as errno. */
class PosixOwnershipTest {
    @TempDir
    Path dir;

    private static int attribute(Path p, String name, LinkOption... options) throws Exception {
        return (Integer) Files.getAttribute(p, "unix:" + name, options);
    }

    @Test
    void mkdirAppliesTheUmaskAndChmodSetsEveryBit() throws Exception {
        Path d = dir.resolve("d");
        Posix.mkdir(d.toString(), 0700);
        assertEquals(0700, attribute(d, "mode") & 07777);
        Posix.chmod(d.toString(), 02750);
        assertEquals(02750, attribute(d, "mode") & 07777);
        ErrnoException e = assertThrows(ErrnoException.class, () -> Posix.mkdir(d.toString(), 0700));
        assertEquals(Errno.EEXIST, e.errno());
        e = assertThrows(ErrnoException.class, () -> Posix.chmod(dir.resolve("none").toString(), 0700));
        assertEquals(Errno.ENOENT, e.errno());
    }

    @Test
    void chownFollowsALinkOnlyWhenAsked() throws Exception {
        assumeTrue(Posix.geteuid() == 0, "needs root: chown to another user");
        Path target = Files.writeString(dir.resolve("target"), "");
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);
        Posix.chown(link.toString(), 65534, -1, false);
        assertEquals(65534, attribute(link, "uid", LinkOption.NOFOLLOW_LINKS));
        assertEquals(0, attribute(target, "uid"));
        Posix.chown(link.toString(), -1, 65534, true);
        assertEquals(65534, attribute(target, "gid"));
        assertEquals(0, attribute(target, "uid"));
    }
}
