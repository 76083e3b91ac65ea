package jrunit.sv;

import jrunit.common.Errno;
import jrunit.common.ErrnoException;
import jrunit.common.Posix;
import jrunit.common.SuperviseStatus;
import jrunit.common.Tai64n;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * A stand-in for runsv that holds the read ends of {@code supervise/ok} and {@code supervise/control}
 * and serves a fixed {@code supervise/status}: every state, flag and odd record can be shown to
 * both svs exactly alike, and the bytes each sv writes to control can be read back.
 */
final class FakeSupervisor implements AutoCloseable {
    final Path dir;
    private int okFd = -1, controlFd = -1;

    FakeSupervisor(Path dir) throws IOException {
        this.dir = dir;
        Path sup = dir.resolve("supervise");
        Files.createDirectories(sup);
        for (String fifo : new String[] {"ok", "control"}) {
            try {
                Posix.mkfifo(sup.resolve(fifo).toString(), 0600);
            } catch (ErrnoException e) {
                if (e.errno() != Errno.EEXIST) throw e;
            }
        }
        okFd = Posix.open(sup.resolve("ok").toString(), Posix.O_RDONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0);
        controlFd = Posix.open(sup.resolve("control").toString(), Posix.O_RDONLY | Posix.O_NONBLOCK | Posix.O_CLOEXEC, 0);
    }

    /** Writes the status record (via rename, as runsv does). */
    FakeSupervisor status(SuperviseStatus s) throws IOException {
        return raw(s.encode());
    }

    FakeSupervisor raw(byte[] bytes) throws IOException {
        Path tmp = dir.resolve("supervise/status.new");
        Files.write(tmp, bytes);
        Files.move(tmp, dir.resolve("supervise/status"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return this;
    }

    static SuperviseStatus status(long agoSeconds, int pid, boolean paused, char want, boolean term, SuperviseStatus.State state) {
        return new SuperviseStatus(Tai64n.of(Instant.now().minusSeconds(agoSeconds)), pid, paused, want, term, state);
    }

    /** Everything written to supervise/control since the last call. */
    String takeControl() throws ErrnoException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        byte[] buf = new byte[256];
        while (true) {
            int n;
            try {
                n = Posix.read(controlFd, buf, 0, buf.length);
            } catch (ErrnoException e) {
                if (e.errno() == Errno.EAGAIN) break;
                throw e;
            }
            if (n <= 0) break;
            b.write(buf, 0, n);
        }
        return b.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /** Stops "supervising": the FIFOs stay, as after a runsv exit, so sv sees "runsv not running". */
    @Override
    public void close() {
        for (int fd : new int[] {okFd, controlFd}) {
            if (fd >= 0) {
                try {
                    Posix.close(fd);
                } catch (ErrnoException ignored) {
                    // already gone
                }
            }
        }
        okFd = controlFd = -1;
    }
}
