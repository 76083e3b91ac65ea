package jrunit.runsv;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs the runsv tests a class inherits against a supervisor hosted as {@code runsvdir --hosted} hosts
 * one: while the class runs, {@link Supervised#ours} starts {@link HostedRunsv} instead of the runsv
 * program. After each test that passed, it checks that this really happened: the test started a
 * supervisor, and /proc/PID/cmdline showed every one it started to be a JVM running HostedRunsv's main.
 * A test that starts none only repeats the runsv run: override it {@code @Disabled} with the reason.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(Hosted.Switch.class)
@interface Hosted {
    final class Switch implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
        @Override
        public void beforeAll(ExtensionContext context) {
            Supervised.hosted = true;
        }

        @Override
        public void afterAll(ExtensionContext context) {
            Supervised.hosted = false;
        }

        @Override
        public void beforeEach(ExtensionContext context) {
            Supervised.oursCommandLines.clear();
        }

        @Override
        public void afterEach(ExtensionContext context) {
            List<String> started = List.copyOf(Supervised.oursCommandLines);
            Supervised.oursCommandLines.clear();
            if (context.getExecutionException().isPresent()) return; // failed or skipped: nothing to prove
            String test = context.getDisplayName();
            assertFalse(started.isEmpty(), test + " started no supervisor, so ran nothing hosted");
            for (String cmdline : started) {
                List<String> words = List.of(cmdline.split("\0"));
                assertTrue(words.contains(HostedRunsv.class.getName()), test + " ran something else than a hosted supervisor: "
                        + String.join(" ", words.subList(Math.max(0, words.size() - 2), words.size()))); // main class, directory
            }
        }
    }
}
