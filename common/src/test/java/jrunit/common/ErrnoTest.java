package jrunit.common;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** runit's errno texts recovered from real JDK exceptions. */
class ErrnoTest {
    @Test
    void jdkExceptionsMapToRunitTexts() throws Exception {
        Path dir = Files.createTempDirectory("errno");
        IOException missing = assertThrows(IOException.class, () -> Files.readAllBytes(dir.resolve("nope")));
        assertEquals("file does not exist", Errno.text(missing));
        Path file = Files.writeString(dir.resolve("f"), "x");
        IOException notDir = assertThrows(IOException.class, () -> Files.readAllBytes(file.resolve("sub")));
        assertEquals("not a directory", Errno.text(notDir));
        Path loop = dir.resolve("loop");
        Files.createSymbolicLink(loop, loop);
        IOException looped = assertThrows(IOException.class, () -> Files.readAllBytes(loop.resolve("x")));
        assertEquals("symbolic link loop", Errno.text(looped));
    }

    @Test
    void unknownErrnoIsUnknownError() {
        assertEquals("unknown error", Errno.text(9999));
        assertEquals("temporary failure", Errno.text(Errno.EAGAIN));
    }
}
