package jrunit.common;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** readDirectory gives the raw names, whatever their encoding, and errors as errno. */
class PosixDirectoryTest {
    @TempDir
    Path dir;

    @Test
    void namesAreRawBytes() throws Exception {
        Files.writeString(dir.resolve("plain"), "");
        Files.writeString(dir.resolve("h\u00e9llo"), "");
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 500; i++) many.add("file-with-a-long-name-to-need-several-getdents-calls-" + i);
        for (String n : many) Files.writeString(dir.resolve(n), "");
        int fd = Posix.open(dir.toString(), Posix.O_RDONLY | Posix.O_DIRECTORY | Posix.O_CLOEXEC, 0);
        List<byte[]> names;
        try {
            names = Posix.readDirectory(fd);
        } finally {
            Posix.close(fd);
        }
        Set<String> got = new java.util.HashSet<>();
        for (byte[] n : names) got.add(new String(n, StandardCharsets.UTF_8));
        Set<String> want = new java.util.HashSet<>(many);
        want.addAll(List.of(".", "..", "plain", "h\u00e9llo"));
        assertEquals(want, got);
    }

    @Test
    void notADirectory() throws Exception {
        Path f = Files.writeString(dir.resolve("f"), "x");
        int fd = Posix.open(f.toString(), Posix.O_RDONLY | Posix.O_CLOEXEC, 0);
        try {
            ErrnoException e = assertThrows(ErrnoException.class, () -> Posix.readDirectory(fd));
            assertEquals(Errno.ENOTDIR, e.errno());
        } finally {
            Posix.close(fd);
        }
    }
}
