package jrunit.sv;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.Charset;

/**
 * stdout or stderr, buffered and flushed where runit's sv flushes. Text is encoded back with the
 * charset the JVM decoded the command line with, so service names come out as they were typed.
 */
final class Output {
    private static final Charset NATIVE = nativeCharset();

    private final OutputStream stream;
    private final StringBuilder pending = new StringBuilder();

    Output(OutputStream stream) {
        this.stream = stream;
    }

    void print(String s) {
        pending.append(s);
    }

    void flush() {
        if (pending.isEmpty()) return;
        try {
            stream.write(pending.toString().getBytes(NATIVE));
            stream.flush();
        } catch (IOException e) {
            // stdout gone (closed pipe): runit ignores write errors too
        }
        pending.setLength(0);
    }

    private static Charset nativeCharset() {
        try {
            String name = System.getProperty("sun.jnu.encoding");
            return name == null ? Charset.defaultCharset() : Charset.forName(name);
        } catch (RuntimeException e) {
            return Charset.defaultCharset();
        }
    }
}
