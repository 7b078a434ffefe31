package dev.dxfs.fs;

import dev.dxfs.fs.NodeTable.Binding;
import dev.dxfs.fuse.KernelCache;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The file names the kernel may be keeping, so that a change of what one of them means (a
 * publish, a writer's close) makes the kernel look them up again ({@link KernelCache#forgetNames},
 * the connection's epoch) only when it has to. The epoch drops every name the kernel keeps, of
 * directories too; a name nobody looked up lately needs none.
 *
 * <p>A name counts from before its lookup reads the backing directory (a lookup that read the
 * old version while a publish renamed the new one in must be seen by that publish) until the
 * next epoch or until the kernel's keeping time has run out. A lookup whose answer was not kept
 * (no such file, an executable, a name being written) stops counting once answered, so creating
 * and running files costs no epoch.
 */
final class KeptNames {
    /**
     * How long after a kept answer was sent the kernel may still use it: its keeping time, and as
     * long again, as the kernel starts the clock when the task that asked runs again, not when the
     * answer is written.
     */
    private static final long KEPT_NANOS = (long) (2 * KernelTimeouts.KEEP * 1e9);
    /** Lookups between two sweeps of the names whose keeping time has run out. */
    private static final long SWEEP_EVERY = 4096;

    /** A name's lookups in progress and until when the kernel may keep it (0: not kept). */
    private record Mark(int resolving, long keptUntil) {
        boolean kept(long now) {
            return keptUntil != 0 && keptUntil - now > 0;
        }

        boolean counts(long now) {
            return resolving > 0 || kept(now);
        }
    }

    private final ConcurrentHashMap<Binding, Mark> names = new ConcurrentHashMap<>();
    private final AtomicLong answers = new AtomicLong();

    /** Before a lookup of {@code name} reads it in the backing directory. */
    void resolving(Binding name) {
        names.merge(name, new Mark(1, 0), (mark, one) -> new Mark(mark.resolving + 1, mark.keptUntil));
    }

    /** Once the lookup's answer was sent: {@code kept} if the kernel may keep it. */
    void answered(Binding name, boolean kept) {
        long now = System.nanoTime();
        names.computeIfPresent(name, (key, mark) -> {
            Mark left = new Mark(mark.resolving - 1, kept ? now + KEPT_NANOS : mark.keptUntil);
            return left.counts(now) ? left : null;
        });
        if (answers.incrementAndGet() % SWEEP_EVERY == 0) {
            names.values().removeIf(mark -> !mark.counts(now));
        }
    }

    /** Whether the kernel may be keeping {@code name}, or is looking it up now. */
    boolean mayBeKept(Binding name) {
        Mark mark = names.get(name);
        return mark != null && mark.counts(System.nanoTime());
    }

    /** Until when ({@link System#nanoTime}) the kernel may keep {@code name}; a lookup in progress counts as one kept now. */
    long keptUntil(Binding name) {
        long now = System.nanoTime();
        return end(names.get(name), now, now);
    }

    /** Until when the kernel may keep any of the names. */
    long keptUntilAny() {
        long now = System.nanoTime();
        long until = now;
        for (Mark mark : names.values()) {
            until = end(mark, now, until);
        }
        return until;
    }

    /** The later of {@code until} and the end of {@code mark}'s keeping. */
    private static long end(Mark mark, long now, long until) {
        if (mark == null || !mark.counts(now)) {
            return until;
        }
        long end = mark.resolving > 0 ? now + KEPT_NANOS : mark.keptUntil;
        return end - until > 0 ? end : until;
    }

    /**
     * Makes the kernel forget every name. The marks go before the epoch rises: a lookup answered
     * between the two was sent before the rise (the kernel notes the epoch before it sends a
     * lookup), so the kernel treats its answer as expired, and one answered later keeps its mark.
     */
    void forgetAll(KernelCache kernel) {
        names.replaceAll((key, mark) -> new Mark(mark.resolving, 0));
        names.values().removeIf(mark -> mark.resolving == 0);
        kernel.forgetNames();
    }

    /** A rename made through the kernel moves its names: the new names count as the old ones did. */
    void renamed(Binding from, Binding to, boolean exchange) {
        Mark moved = names.get(from);
        Mark other = exchange ? names.get(to) : null;
        if (moved != null && moved.keptUntil != 0) {
            keep(to, moved.keptUntil);
        }
        if (other != null && other.keptUntil != 0) {
            keep(from, other.keptUntil);
        }
    }

    private void keep(Binding name, long until) {
        names.merge(name, new Mark(0, until), (mark, kept) -> new Mark(mark.resolving,
                mark.keptUntil == 0 || until - mark.keptUntil > 0 ? until : mark.keptUntil));
    }
}
