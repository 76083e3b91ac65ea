package jrunit.sv;

/** Wall-clock seconds as TAI64 labels, as runit's sv takes them (2^62 + 10 + Unix seconds, no leap table). */
final class Clock {
    private Clock() {}

    static final long TAI_EPOCH = jrunit.common.Tai64n.EPOCH;

    static long taiSeconds() {
        return TAI_EPOCH + Math.floorDiv(System.currentTimeMillis(), 1000L);
    }
}
