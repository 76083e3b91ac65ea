package jrunit.sv;

import jrunit.common.testing.Tools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs runit's sv and ours on the same services and compares them. */
class SvHarness {
    final Path root;
    final Path svdir;
    final Path bin;

    SvHarness(Path root) throws IOException {
        this.root = root;
        this.svdir = Files.createDirectories(root.resolve("service"));
        this.bin = Files.createDirectories(root.resolve("bin"));
    }

    /** A service directory under SVDIR whose ./run is {@code script} (sh), optionally with a log/run. */
    Path service(String name, String script, boolean log) throws IOException {
        Path d = Files.createDirectories(svdir.resolve(name));
        executable(d.resolve("run"), "#!/bin/sh\n" + script + "\n");
        if (log) {
            Files.createDirectories(d.resolve("log"));
            executable(d.resolve("log/run"), "#!/bin/sh\nexec cat >/dev/null\n");
        }
        return d;
    }

    static void executable(Path p, String text) throws IOException {
        Files.writeString(p, text);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    Map<String, String> env() {
        return Map.of("SVDIR", svdir.toString());
    }

    Run runit(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Tools.runit("sv")));
        cmd.addAll(List.of(args));
        return Run.exec(cmd, env(), root);
    }

    Run ours(String... args) throws Exception {
        return Run.exec(Tools.jrunit("sv", args), env(), root);
    }

    /** runit's sv invoked as {@code name} (a symlink, as /etc/init.d/name would be): init-script mode. */
    Run runitAs(String name, String... args) throws Exception {
        Path link = bin.resolve(name);
        if (!Files.isSymbolicLink(link)) Files.createSymbolicLink(link, Path.of(Tools.runit("sv")));
        if (args.length == 1 && args[0].equals("--link-only")) return null;
        List<String> cmd = new ArrayList<>(List.of(link.toString()));
        cmd.addAll(List.of(args));
        return Run.exec(cmd, env(), root);
    }

    Run oursAs(String name, String... args) throws Exception {
        return Run.exec(Tools.jrunitAs("sv", "/etc/init.d/" + name, args), env(), root);
    }

    /**
     * Runs both at the same time (so the ages they print are comparable) and asserts the same
     * output and exit code; returns ours. Only for commands whose effect does not depend on which
     * sv comes first (reading, or sending what is already wanted).
     */
    Run same(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Tools.runit("sv")));
        cmd.addAll(List.of(args));
        long start = System.nanoTime();
        Run.Pending r = Run.start(cmd, env(), root);
        Run.Pending o = Run.start(Tools.jrunit("sv", args), env(), root);
        Run ours = o.finish();
        Run runit = r.finish();
        Run.assertSameAs(runit, ours, "sv " + String.join(" ", args), Run.secondsSince(start));
        return ours;
    }

    Run sameAs(String name, String... args) throws Exception {
        runitAs(name, "--link-only");
        List<String> cmd = new ArrayList<>(List.of(bin.resolve(name).toString()));
        cmd.addAll(List.of(args));
        long start = System.nanoTime();
        Run.Pending r = Run.start(cmd, env(), root);
        Run.Pending o = Run.start(Tools.jrunitAs("sv", "/etc/init.d/" + name, args), env(), root);
        Run ours = o.finish();
        Run runit = r.finish();
        Run.assertSameAs(runit, ours, "/etc/init.d/" + name + " " + String.join(" ", args), Run.secondsSince(start));
        return ours;
    }
}
