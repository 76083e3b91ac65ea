package jrunit.common;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The self-pipe against the kernel: a wake-up from another thread ends a poll, drain re-arms it, a full pipe does not block. */
class WakePipeTest {

    private static int pollMillis(WakePipe pipe, int timeout) throws ErrnoException {
        short[] revents = new short[1];
        return Posix.poll(new int[] {pipe.readFd()}, new short[] {Posix.POLLIN}, revents, timeout);
    }

    @Test
    void aWakeFromAnotherThreadEndsThePollAndDrainRearmsIt() throws Exception {
        WakePipe pipe = new WakePipe();
        assertEquals(0, pollMillis(pipe, 0), "nothing to read before a wake-up");
        Thread waker = Thread.ofPlatform().start(pipe::wake);
        assertEquals(1, pollMillis(pipe, 60_000), "the wake-up made the read end readable");
        waker.join();
        pipe.drain();
        assertEquals(0, pollMillis(pipe, 0), "drained: the next poll waits again");
    }

    @Test
    void wakingAFullPipeNeitherBlocksNorThrows() throws Exception {
        WakePipe pipe = new WakePipe();
        for (int i = 0; i < 200_000; i++) pipe.wake(); // far more than a pipe's 64 KiB
        assertEquals(1, pollMillis(pipe, 0));
        pipe.drain();
        assertEquals(0, pollMillis(pipe, 0));
    }
}
