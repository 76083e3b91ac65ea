package jrunit.sv;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Whether a running service is <em>ready</em>, from {@code supervise/ready}: jrunit's supervisor writes it
 * for a service started with s6's {@code notification-fd} (see runsv/README.md). Absent: readiness is
 * runit's "up" (state run with a pid), since the status timestamp. Empty (or anything but 12 bytes):
 * started, not ready yet. 12 bytes: ready since that TAI64N label. A service that is not running is never
 * ready. The status record is read first: the supervisor resets {@code ready} before it writes the status
 * of a new run, so a record showing a run never meets the readiness of an earlier one.
 */
final class Readiness {
    private Readiness() {}

    /** Not ready. */
    static final long NOT_READY = -1;

    /** The TAI64 seconds since which the service in {@code dir}, whose status is {@code s}, is ready; {@link #NOT_READY} if it is not. */
    static long readySince(Path dir, StatusRecord s) {
        if (s.state() != 1 || s.pid() == 0) return NOT_READY;
        Path file = dir.resolve("supervise/ready");
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            return s.taiSeconds(); // absent (or unreadable): no readiness notification, so runit's "up"
        }
        if (!a.isRegularFile() || a.size() != 12) return NOT_READY; // never block on a FIFO
        byte[] label = new byte[12];
        try (FileChannel ch = FileChannel.open(file)) {
            if (ch.read(ByteBuffer.wrap(label)) != 12) return NOT_READY;
        } catch (IOException e) {
            return NOT_READY; // replaced meanwhile: the next look tells
        }
        long seconds = 0;
        for (int i = 0; i < 8; i++) seconds = (seconds << 8) | (label[i] & 0xff);
        return seconds;
    }

    /**
     * For sv's waits: whether the current run of the service in {@code dir} has a readiness notification
     * still to come (supervise/ready exists and holds no label). False without supervise/ready, so a
     * service without {@code notification-fd} is checked exactly as runit's sv checks it.
     */
    static boolean pending(Path dir) {
        Path file = dir.resolve("supervise/ready");
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return !a.isRegularFile() || a.size() != 12;
        } catch (IOException e) {
            return false;
        }
    }
}
