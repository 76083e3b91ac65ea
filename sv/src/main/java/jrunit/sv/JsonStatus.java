package jrunit.sv;

import jrunit.common.Errno;
import jrunit.common.ErrnoException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

/**
 * {@code sv --json status SERVICE...}: one JSON object per service and line (JSON Lines), for
 * scripts and health probes. Fields (stable; new ones may be added, none removed or renamed):
 * <pre>
 * {"name":"web","dir":"/etc/service/web","state":"run","pid":1234,"seconds":56,"since":1700000000,
 *  "want":"up","paused":false,"got_term":false,"normally":"up","ready":true,"ready_since":1700000002,
 *  "log":{"state":"run","pid":1230,"seconds":60,"since":1699999996,"want":"up","paused":false,"got_term":false,"normally":"up",
 *         "ready":true,"ready_since":1699999996}}
 * </pre>
 * {@code state} is run/down/finish, {@code pid} null when no process, {@code want} up/down (runsv
 * records "want exit" as down), {@code normally} down when the directory has a {@code down} file,
 * {@code log} null without a log service. {@code ready} (and {@code ready_since}, the Unix time it became
 * ready, null when not ready) is the readiness jrunit's supervisor records for a service with s6's
 * {@code notification-fd} ({@link Readiness}); without it, it is runit's "up": running, since {@code since}. A service (or log) that cannot be read is
 * {@code {"name":...,"error":"runsv not running"}} with runit's wording; each such service counts
 * one towards the exit code, as in text mode.
 */
final class JsonStatus {
    private final Sv sv;
    private int failures;

    JsonStatus(Sv sv) {
        this.sv = sv;
    }

    int print(List<String> services) {
        Output out = sv.out();
        for (String name : services) {
            StringBuilder b = new StringBuilder("{\"name\":").append(quote(name));
            Path dir = directory(name);
            if (dir == null) {
                error(b, "unable to change to service directory: " + Errno.text(lastErrno));
            } else {
                b.append(",\"dir\":").append(quote(dir.toString()));
                if (service(b, dir)) {
                    b.append(",\"log\":");
                    Path log = dir.resolve("log");
                    int e = Sv.chdirError(log.toString());
                    if (e == Errno.ENOENT) {
                        b.append("null");
                    } else {
                        StringBuilder l = new StringBuilder();
                        if (e != 0) error(l, "unable to change directory: " + Errno.text(e));
                        else service(l, log);
                        b.append('{').append(l, 1, l.length()).append('}');
                    }
                }
            }
            out.print(b.append("}\n").toString());
        }
        out.flush();
        return Math.min(failures, 99);
    }

    private int lastErrno;

    private Path directory(String name) {
        boolean relative = name.isEmpty() || name.startsWith("/") || name.startsWith(".") || name.endsWith("/");
        String svdir = sv.svdir();
        if (!relative && (lastErrno = Sv.chdirError(svdir)) != 0) return null;
        Path p = relative ? Path.of(name) : Path.of(svdir).resolve(name);
        lastErrno = name.isEmpty() ? Errno.ENOENT : Sv.chdirError(p.toString());
        return lastErrno == 0 ? p : null;
    }

    /** Appends the fields of one supervised directory; false (and an "error" field) if unreadable. */
    private boolean service(StringBuilder b, Path dir) {
        try {
            Fifo.close(Fifo.openWrite(dir.resolve("supervise/ok")));
        } catch (ErrnoException e) {
            error(b, e.errno() == Errno.ENXIO ? "runsv not running" : "unable to open supervise/ok: " + Errno.text(e.errno()));
            return false;
        }
        byte[] raw = new byte[20];
        try {
            if (Files.readAttributes(dir.resolve("supervise/status"), BasicFileAttributes.class).isOther()) {
                error(b, "unable to read supervise/status: bad format"); // a FIFO: never block on it
                return false;
            }
        } catch (IOException e) {
            // reported by the open below
        }
        try (FileChannel ch = FileChannel.open(dir.resolve("supervise/status"))) {
            if (ch.read(ByteBuffer.wrap(raw)) != 20) {
                error(b, "unable to read supervise/status: bad format");
                return false;
            }
        } catch (IOException e) {
            error(b, "unable to read supervise/status: " + Errno.text(Errno.of(e)));
            return false;
        }
        int down = Sv.statErrno(dir.resolve("down"));
        if (down != 0 && down != Errno.ENOENT) {
            error(b, "unable to stat down: " + Errno.text(down));
            return false;
        }
        StatusRecord s = new StatusRecord(raw);
        String state = switch (s.state()) { case 0 -> "down"; case 1 -> "run"; case 2 -> "finish"; default -> "unknown"; };
        b.append(",\"state\":\"").append(state).append('"');
        b.append(",\"pid\":").append(s.pid() == 0 ? "null" : Long.toString(s.pid()));
        b.append(",\"seconds\":").append(s.age(sv.tnow()));
        b.append(",\"since\":").append(s.unixSeconds());
        b.append(",\"want\":\"").append(s.wantByte() == 'u' ? "up" : "down").append('"');
        b.append(",\"paused\":").append(s.paused());
        b.append(",\"got_term\":").append(s.gotTerm());
        b.append(",\"normally\":\"").append(down == Errno.ENOENT ? "up" : "down").append('"');
        long ready = Readiness.readySince(dir, s);
        b.append(",\"ready\":").append(ready != Readiness.NOT_READY);
        b.append(",\"ready_since\":").append(ready == Readiness.NOT_READY ? "null" : Long.toString(ready - Clock.TAI_EPOCH));
        return true;
    }

    private void error(StringBuilder b, String message) {
        failures++;
        b.append(",\"error\":").append(quote(message));
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }
}
