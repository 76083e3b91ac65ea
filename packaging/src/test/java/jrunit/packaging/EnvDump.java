package jrunit.packaging;

import java.util.TreeMap;

/** A main class for a test launcher: prints its environment, one NAME=value a line, sorted. */
public final class EnvDump {
    private EnvDump() {}

    public static void main(String[] args) {
        new TreeMap<>(System.getenv()).forEach((k, v) -> System.out.println(k + "=" + v));
    }
}
