package jrunit.chpst;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** A minimal root directory for chroot tests: /bin/sh with its shared libraries, /etc/passwd and /etc/group. */
final class Chroots {
    private Chroots() {}

    static Path withShell(Path root) throws IOException {
        Path sh = Path.of("/bin/sh").toRealPath();
        copy(sh, root.resolve("bin/sh"));
        for (String lib : List.of("/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2",
                "/lib/aarch64-linux-gnu/libc.so.6", "/lib/ld-linux-aarch64.so.1")) {
            Path p = Path.of(lib);
            if (Files.exists(p)) copy(p.toRealPath(), root.resolve(lib.substring(1)));
        }
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0::/:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n");
        Files.writeString(root.resolve("etc/group"), "root:x:0:\nnogroup:x:65534:\n");
        return root;
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to.getParent());
        Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
    }
}
