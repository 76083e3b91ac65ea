package jrunit.common;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Makes a JVM look like the runit tool it is to {@code ps}: the process name ({@code /proc/PID/comm},
 * what {@code ps -e} shows) and the command line ({@code /proc/PID/cmdline}, what {@code ps -f} shows).
 *
 * <p>A JVM cannot rewrite its argv in place, but the kernel lets a process write its own memory
 * through {@code /proc/self/mem}: the argv area lies between {@code arg_start} and {@code arg_end}
 * of {@code /proc/self/stat}. The JVM's command line (flags, class path) is long, so a runit-style
 * title fits. The name is written to the thread-group leader's {@code comm}, which any thread of the
 * process may do.
 */
public final class ProcessTitle {
    private final long argStart;
    private final int capacity;

    private ProcessTitle(long argStart, int capacity) {
        this.argStart = argStart;
        this.capacity = capacity;
    }

    /** Reads where this process's argv lives. */
    public static ProcessTitle ofSelf() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        // fields after "(comm)"; comm may contain spaces, so split after the last ')'
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        // f[0] is field 3 (state); arg_start is field 48, arg_end field 49
        long start = Long.parseLong(f[48 - 3]);
        long end = Long.parseLong(f[49 - 3]);
        return new ProcessTitle(start, (int) (end - start));
    }

    /** Bytes available for the command line, including its final NUL. */
    public int capacity() {
        return capacity;
    }

    /**
     * Sets the command line to {@code words} (NUL-separated as argv is), truncated to the capacity
     * and padded with NULs.
     */
    public void setCommandLine(String... words) throws IOException {
        byte[] area = new byte[capacity];
        int p = 0;
        for (String w : words) {
            byte[] b = w.getBytes(StandardCharsets.UTF_8);
            int n = Math.min(b.length, capacity - 1 - p);
            if (n <= 0) break;
            System.arraycopy(b, 0, area, p, n);
            p += n + 1; // the zero byte after each word
        }
        writeArea(area, 0, capacity);
    }

    /** Writes raw bytes at {@code offset} of the argv area (for scrolling titles such as runsvdir's log). */
    public void writeArea(byte[] bytes, int offset, int length) throws IOException {
        if (offset < 0 || offset + length > capacity) throw new IllegalArgumentException("outside argv area");
        try (RandomAccessFile mem = new RandomAccessFile("/proc/self/mem", "rw")) {
            mem.seek(argStart + offset);
            mem.write(bytes, 0, length);
        }
    }

    /** Sets {@code /proc/self/comm} (at most 15 bytes are kept by the kernel). */
    public static void setName(String name) throws IOException {
        long pid = ProcessHandle.current().pid();
        Files.writeString(Path.of("/proc/self/task/" + pid + "/comm"), name);
    }

    /** Best effort: name and command line; a failure only means {@code ps} shows "java". */
    public static void set(String name, String... commandLine) {
        try {
            setName(name);
            ofSelf().setCommandLine(commandLine);
        } catch (IOException | RuntimeException e) {
            // ps shows the JVM's own command line; nothing else depends on it
        }
    }
}
