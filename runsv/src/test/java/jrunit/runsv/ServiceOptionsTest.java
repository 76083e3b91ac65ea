package jrunit.runsv;

import jrunit.common.Posix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Parsing of s6's option files: what is accepted, and the warning for what is not. */
class ServiceOptionsTest {
    @TempDir
    Path dir;
    private final List<String> warnings = new ArrayList<>();

    private ServiceOptions read() {
        return ServiceOptions.read(dir, "", warnings::add);
    }

    private void file(String name, String content) throws Exception {
        Files.writeString(dir.resolve(name), content);
    }

    @Test
    void withoutAnyFileItIsRunitsBehaviour() {
        assertSame(ServiceOptions.RUNIT, read());
        assertEquals(List.of(), warnings);
    }

    @Test
    void wellFormedFilesAsS6WritesThem() throws Exception {
        file("notification-fd", "3\n");
        file("down-signal", "SIGHUP\n");
        file("timeout-kill", "500\n");
        file("timeout-finish", "2500");
        assertEquals(new ServiceOptions(3, Posix.SIGHUP, 500, 2500), read());
        assertEquals(List.of(), warnings);
    }

    @Test
    void signalNamesWithOrWithoutSigAnyCaseOrNumbers() {
        assertEquals(Posix.SIGHUP, ServiceOptions.signal("HUP"));
        assertEquals(Posix.SIGHUP, ServiceOptions.signal("SIGHUP"));
        assertEquals(Posix.SIGUSR1, ServiceOptions.signal("usr1"));
        assertEquals(Posix.SIGINT, ServiceOptions.signal("sigint"));
        assertEquals(Posix.SIGQUIT, ServiceOptions.signal("3"));
        assertEquals(28, ServiceOptions.signal("WINCH"));
        assertEquals(64, ServiceOptions.signal("64"));
        assertEquals(0, ServiceOptions.signal("0"));
        assertEquals(0, ServiceOptions.signal("65"));
        assertEquals(0, ServiceOptions.signal("SIG"));
        assertEquals(0, ServiceOptions.signal("NOPE"));
        assertEquals(0, ServiceOptions.signal(""));
    }

    @Test
    void onlyTheFirstLineCountsAndBlanksAroundItAreIgnored() throws Exception {
        file("notification-fd", " 5 \nsomething else\n");
        file("down-signal", "\tINT\r\n");
        assertEquals(new ServiceOptions(5, Posix.SIGINT, 0, 0), read());
        assertEquals(List.of(), warnings);
    }

    @Test
    void badContentIsIgnoredWithAWarningEach() throws Exception {
        file("notification-fd", "2\n"); // would replace stderr
        file("down-signal", "SIGNOPE\n");
        file("timeout-kill", "-5\n");
        file("timeout-finish", "1.5\n");
        assertEquals(new ServiceOptions(-1, Posix.SIGTERM, 0, 0), read());
        assertEquals(List.of(
                "ignoring notification-fd: not a descriptor number from 3 to 1023",
                "ignoring down-signal: not a signal name or number",
                "ignoring timeout-kill: not a number of milliseconds up to 86400000",
                "ignoring timeout-finish: not a number of milliseconds up to 86400000"), warnings);
    }

    @Test
    void emptyFilesAndNonRegularFilesAreIgnoredWithAWarning() throws Exception {
        file("notification-fd", "");
        Posix.mkfifo(dir.resolve("down-signal").toString(), 0600); // must not block the supervisor
        Files.createDirectory(dir.resolve("timeout-kill"));
        assertEquals(new ServiceOptions(-1, Posix.SIGTERM, 0, 0), ServiceOptions.read(dir, "log/", warnings::add));
        assertEquals(List.of(
                "ignoring log/notification-fd: not a descriptor number from 3 to 1023",
                "ignoring log/down-signal: not a regular file",
                "ignoring log/timeout-kill: not a regular file"), warnings);
    }

    @Test
    void zeroTimeoutsMeanNone() throws Exception {
        file("timeout-kill", "0\n");
        file("timeout-finish", "0\n");
        assertEquals(new ServiceOptions(-1, Posix.SIGTERM, 0, 0), read());
        assertEquals(List.of(), warnings);
    }
}
