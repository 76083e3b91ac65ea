package jrunit.svlogd;

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
 * Runs the svlogd tests a class inherits against the engine hosted in-process: while the class runs,
 * {@link Svlogds#ours} names {@link InProcessSvlogd} instead of the svlogd program. After each test
 * that passed, it checks that this really happened: the test started our svlogd, and
 * /proc/PID/cmdline showed every one it started to be a JVM running InProcessSvlogd's main. A test
 * that cannot apply in-process is overridden {@code @Disabled} with the reason.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(InProcess.Switch.class)
@interface InProcess {
    final class Switch implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
        @Override
        public void beforeAll(ExtensionContext context) {
            Svlogds.inProcess = true;
        }

        @Override
        public void afterAll(ExtensionContext context) {
            Svlogds.inProcess = false;
        }

        @Override
        public void beforeEach(ExtensionContext context) {
            Svlogds.oursCommandLines.clear();
        }

        @Override
        public void afterEach(ExtensionContext context) {
            List<String> started = List.copyOf(Svlogds.oursCommandLines);
            Svlogds.oursCommandLines.clear();
            if (context.getExecutionException().isPresent()) return; // failed or skipped: nothing to prove
            String test = context.getDisplayName();
            assertFalse(started.isEmpty(), test + " started none of our svlogds, so ran nothing in-process");
            for (String cmdline : started) {
                List<String> words = List.of(cmdline.split("\0"));
                int cp = words.indexOf("-cp"); // the class path is long: show the main class and its arguments
                assertTrue(words.contains(InProcessSvlogd.class.getName()), test + " ran something else than the in-process svlogd: "
                        + String.join(" ", cp < 0 ? words : words.subList(Math.min(cp + 2, words.size()), words.size())));
            }
        }
    }
}
