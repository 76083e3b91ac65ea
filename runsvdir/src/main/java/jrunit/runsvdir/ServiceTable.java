package jrunit.runsvdir;

import jrunit.common.Tai64n;

import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The services of one directory, as runsvdir knows them: each subdirectory or symlink to a directory
 * whose name does not start with a dot, identified by the device and inode of the directory itself
 * (a renamed service keeps its supervisor, two names for one directory get one), at most 1000.
 */
final class ServiceTable {
    static final int MAX_SERVICES = 1000;

    /** One service directory and its supervisor (what that is belongs to the mode). */
    static final class Service {
        final Object identity;
        String name;
        boolean seen;
        /** The supervisor: a runsv process or a hosted supervisor, {@code null} while there is none. */
        Supervision supervision;

        Service(Object identity, String name) {
            this.identity = identity;
            this.name = name;
        }

        boolean supervised() {
            return supervision != null && supervision.alive();
        }
    }

    /** What keeps one service supervised; the two modes differ only here. */
    interface Supervision {
        boolean alive();

        /** Asks the supervisor to stop its service (and log service) and exit, as TERM to runsv does. */
        void terminate();

        /** KILL to the supervisor (container mode, at the deadline). */
        void kill();
    }

    /** Starts supervisors: returns {@code null} (after reporting why) if it could not. */
    interface Starter {
        Supervision start(Service service);
    }

    private final String dirName;
    private final Path dir;
    private final Messages messages;
    private final Map<Object, Service> services = new LinkedHashMap<>();
    /** Set when something calls for another scan soon (runit's {@code check}). */
    boolean check = true;
    private Object dirIdentity;
    private FileTime dirMtime;

    ServiceTable(String dirName, Path dir, Messages messages) {
        this.dirName = dirName;
        this.dir = dir;
        this.messages = messages;
    }

    Iterable<Service> services() {
        return services.values();
    }

    int size() {
        return services.size();
    }

    /** Stats the directory and scans it if it changed (mtime, inode, device) or a scan is due anyway. */
    void checkDirectory(Starter starter) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(dir, BasicFileAttributes.class);
        } catch (IOException e) {
            messages.warn("unable to stat " + dirName, e);
            return;
        }
        if (!check && a.fileKey().equals(dirIdentity) && a.lastModifiedTime().equals(dirMtime)) return;
        dirIdentity = a.fileKey();
        dirMtime = a.lastModifiedTime();
        check = false;
        // on a filesystem with coarse timestamps a second change within this second would not change
        // the mtime: look again in a second (runit sleeps a second instead)
        if (a.lastModifiedTime().to(TimeUnit.SECONDS) >= System.currentTimeMillis() / 1000) check = true;
        scan(starter);
    }

    /** Debian's SIGALRM: rescan at once and leave a time stamp in DIR/.forced-rescan. */
    void forcedRescan(Starter starter) {
        check = true;
        checkDirectory(starter);
        try {
            Files.writeString(dir.resolve(".forced-rescan"), Tai64n.now().toString());
        } catch (IOException e) {
            messages.warn("unable to write " + dirName + "/.forced-rescan", e);
        }
    }

    /**
     * Reads the directory: starts a supervisor for every new service and for every known one that has
     * none, then terminates and forgets every service that is gone (unless reading failed midway).
     */
    void scan(Starter starter) {
        for (Service s : services.values()) s.seen = false;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (name.startsWith(".")) continue;
                BasicFileAttributes a;
                try {
                    a = Files.readAttributes(p, BasicFileAttributes.class);
                } catch (IOException e) {
                    messages.warn("unable to stat " + name, e);
                    continue;
                }
                if (!a.isDirectory()) continue;
                Service s = services.get(a.fileKey());
                if (s == null) {
                    if (services.size() >= MAX_SERVICES) {
                        messages.warn("unable to start runsv " + name + ": too many services.");
                        continue;
                    }
                    s = new Service(a.fileKey(), name);
                    services.put(s.identity, s);
                    check = true;
                }
                if (s.seen) continue; // a second name for the same directory
                s.seen = true;
                if (!s.supervised()) {
                    s.name = name;
                    s.supervision = starter.start(s);
                }
            }
        } catch (DirectoryIteratorException e) {
            messages.warn("unable to read directory " + dirName, e.getCause());
            check = true;
            return;
        } catch (IOException e) {
            messages.warn("unable to open directory " + dirName, e);
            return;
        }
        List<Service> gone = new ArrayList<>();
        for (Iterator<Service> it = services.values().iterator(); it.hasNext(); ) {
            Service s = it.next();
            if (!s.seen) {
                gone.add(s);
                it.remove();
            }
        }
        for (Service s : gone) {
            if (s.supervised()) s.supervision.terminate();
        }
    }
}
