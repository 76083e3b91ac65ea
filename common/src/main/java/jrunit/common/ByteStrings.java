package jrunit.common;

import java.nio.charset.StandardCharsets;

/**
 * chpst passes arguments, environment entries and envdir values through byte for byte, whatever
 * their encoding. Inside it they are "byte strings": Java strings with one char per byte
 * (ISO-8859-1), so String methods work on them and nothing is lost. Paths handed to {@code Posix}
 * (which encodes UTF-8) go through {@link #forPosix}. {@link Account} takes its names this way too.
 */
public final class ByteStrings {
    private ByteStrings() {}

    public static String of(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    public static byte[] bytes(String byteString) {
        return byteString.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A byte string as the Java string whose UTF-8 encoding is those bytes (exact for valid UTF-8). */
    public static String forPosix(String byteString) {
        return new String(bytes(byteString), StandardCharsets.UTF_8);
    }

    /** A Java string (e.g. from the JDK) as a byte string of its UTF-8 encoding. */
    public static String fromJava(String s) {
        return of(s.getBytes(StandardCharsets.UTF_8));
    }
}
