package dev.dxfs.fs;

import dev.dxfs.fs.NodeTable.Binding;
import dev.dxfs.fuse.KernelCache;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

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
     * How long after its timeout the kernel may still use a kept answer: it starts the clock when
     * the task that asked runs again, not when the answer is written, and a loaded machine may
     * keep that task off the CPU for a while.
     */
    private static final long LATE_NANOS = 1_000_000_000L;
    /** How often a wait for a name's keeping time looks again at a lookup of it still in progress. */
    private static final long RESOLVING_POLL_NANOS = 1_000_000L;
    /**
     * The fewest lookups between two sweeps of the names whose keeping time has run out. After a
     * sweep, the next waits for as many lookups as marks are left, so that a sweep visits about
     * one mark per lookup answered since the last: at every 4,096th, the sweeps over the 10,000
     * marks of a walk over as many files were 2 % of the daemon's CPU in that walk.
     */
    private static final long SWEEP_EVERY = 4096;
    /**
     * How long after a publish replaced a file its name is given to the kernel to keep no more
     * ({@link #replacedLately}). A rewrite through a kept name costs an epoch, which drops every
     * name the kernel keeps, directories' too; a name not kept costs a lookup per walk of it
     * alone. Files rewritten once tend to be rewritten again (a build's outputs, a shell's
     * {@code cmd > f}, a log), so the name of one replaced in the last minute is looked up at
     * each walk instead, and its next rewrite leaves every other name kept.
     */
    private static final long REPLACED_NANOS = 60_000_000_000L;

    /**
     * A name's lookups in progress, until when the kernel may keep it (0: not kept), and the
     * generation of epochs in which that was last noted: an epoch risen since makes it not kept
     * ({@link #until}).
     */
    private record Mark(int resolving, long keptUntil, long generation) {}

    private final ConcurrentHashMap<Binding, Mark> names = new ConcurrentHashMap<>();
    /**
     * A name by its directory's inode, not its node: the kernel may forget a directory's inode
     * between two rewrites in it (an epoch drops its name), and the next lookup makes a new node.
     */
    private record InDirectory(long dev, long ino, String name) {
        InDirectory(Binding name) {
            this(name.parent().dev, name.parent().ino, name.name());
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof InDirectory key && dev == key.dev && ino == key.ino && name.equals(key.name);
        }

        @Override
        public int hashCode() {
            return (31 * Long.hashCode(dev) + Long.hashCode(ino)) * 31 + name.hashCode();
        }
    }

    /** When a publish last replaced the file at each name, for {@link #REPLACED_NANOS}. */
    private final ConcurrentHashMap<InDirectory, Long> replaced = new ConcurrentHashMap<>();
    private final AtomicLong answers = new AtomicLong();
    /** The count of {@link #answers} at which the next sweep is due. */
    private final AtomicLong nextSweep = new AtomicLong(SWEEP_EVERY);
    /** Counts the epochs begun: a mark noted before one began is for an answer the kernel treats as expired after it. */
    private final AtomicLong generations = new AtomicLong();
    /**
     * The marks of the generations below this count as not kept: an epoch has risen since they
     * were noted. Told apart by their generation, not rewritten at each epoch: the map's table
     * never shrinks, and after a walk over many names (a stat of 20,000 files) going through it
     * at every epoch was a quarter of the daemon's CPU time for a file's first rewrite.
     */
    private final AtomicLong risenBelow = new AtomicLong();

    /** Before a lookup of {@code name} reads it in the backing directory. */
    void resolving(Binding name) {
        names.merge(name, new Mark(1, 0, 0), (mark, one) -> new Mark(mark.resolving + 1, mark.keptUntil,
                mark.generation));
    }

    /** Once the lookup's answer was sent: {@code keptSeconds} is the timeout it gave the name (0: not kept). */
    void answered(Binding name, double keptSeconds) {
        long now = System.nanoTime();
        long until = now + (long) (keptSeconds * 1e9) + LATE_NANOS;
        long generation = generations.get();
        names.computeIfPresent(name, (key, mark) -> {
            Mark left = keptSeconds > 0 ? new Mark(mark.resolving - 1, until, generation)
                    : new Mark(mark.resolving - 1, mark.keptUntil, mark.generation);
            return counts(left, now) ? left : null;
        });
        long answered = answers.incrementAndGet();
        long due = nextSweep.get();
        if (answered >= due && nextSweep.compareAndSet(due, Long.MAX_VALUE)) {
            names.values().removeIf(mark -> !counts(mark, now));
            replaced.values().removeIf(at -> now - at >= REPLACED_NANOS);
            nextSweep.set(answered + Math.max(SWEEP_EVERY, names.size()));
        }
    }

    /**
     * A create through the kernel made {@code name}: the kernel replaces what it kept of the name
     * (its absence, which a lookup just before the create left it) with the create's entry, which
     * it keeps for no time. The kernel sends a create with the directory locked, as it sends a
     * lookup of a missing name, so such a lookup's answer was taken, and noted, before.
     */
    void madeThroughKernel(Binding name) {
        keep(name, 0);
    }

    /** A publish replaced the file at {@code name}: its lookups keep it no more for a while. */
    void replaced(Binding name) {
        replaced.put(new InDirectory(name), System.nanoTime());
    }

    /**
     * Whether a publish replaced the file at {@code name} lately: a lookup then gives the kernel
     * the name to use once, not to keep, so that the next rewrite need not raise the epoch.
     */
    boolean replacedLately(Binding name) {
        // Asked at every lookup: without a publish in the last minute, no key is made for it.
        if (replaced.isEmpty()) {
            return false;
        }
        Long at = replaced.get(new InDirectory(name));
        return at != null && System.nanoTime() - at < REPLACED_NANOS;
    }

    /** Whether the kernel may be keeping {@code name}, or is looking it up now. */
    boolean mayBeKept(Binding name) {
        Mark mark = names.get(name);
        return mark != null && counts(mark, System.nanoTime());
    }

    /**
     * Until when ({@link System#nanoTime}) the kernel may keep {@code name}, as far as known now:
     * a lookup still in progress may yet be answered kept, so the answer is looked at again soon.
     */
    long keptUntil(Binding name) {
        long now = System.nanoTime();
        Mark mark = names.get(name);
        long until = mark != null && kept(mark, now) ? until(mark) : now;
        long soon = now + RESOLVING_POLL_NANOS;
        return mark != null && mark.resolving > 0 && until - soon < 0 ? soon : until;
    }

    /**
     * Waits until the kernel can no longer be keeping {@code name}: what a change does where it
     * cannot make the kernel forget names. Only the timeout the name's last kept answer actually
     * gave is waited for, once its lookups in progress are answered.
     */
    void awaitExpiry(Binding name) {
        // A lookup in progress is looked at again until answered: the poll's own deadline may
        // pass before this thread runs again on a loaded machine, which is no answer.
        for (long left = keptUntil(name) - System.nanoTime(); left > 0 || inProgress(name);
                left = keptUntil(name) - System.nanoTime()) {
            LockSupport.parkNanos(Math.max(left, RESOLVING_POLL_NANOS));
        }
    }

    private boolean inProgress(Binding name) {
        Mark mark = names.get(name);
        return mark != null && mark.resolving > 0;
    }

    /**
     * Makes the kernel forget every name. The marks noted before the epoch rises count as not
     * kept once it has risen: their answers were sent before the rise (the kernel notes the epoch
     * before it sends a lookup), so the kernel treats them as expired. Until it has risen they
     * still count, for a change that asks meanwhile whether a name may be kept (two writers
     * closing at once: the second must not find the first's epoch done before it is); marks
     * noted since the rise began stay kept. Lookups in progress count whatever the epoch. The
     * marks left not kept go at the next sweep.
     */
    void forgetAll(KernelCache kernel) {
        long rise = generations.getAndIncrement();
        kernel.forgetNames();
        risenBelow.accumulateAndGet(rise + 1, Math::max);
    }

    /** Until when the kernel may keep a name with {@code mark}: 0 if not kept, or if an epoch has risen since. */
    private long until(Mark mark) {
        return mark.generation < risenBelow.get() ? 0 : mark.keptUntil;
    }

    private boolean kept(Mark mark, long now) {
        long until = until(mark);
        return until != 0 && until - now > 0;
    }

    private boolean counts(Mark mark, long now) {
        return mark.resolving > 0 || kept(mark, now);
    }

    /**
     * A rename made through the kernel moves its names: the new names count as the old ones did,
     * and what the kernel kept of the name renamed over (the file it replaced, or its absence) is
     * gone with the rename (kept, an absence found by a probe of the target before the rename
     * made the next close of the file raise an epoch). A name whose lookup is still being
     * answered counts as kept for as long as any lookup keeps a name: its answer may have reached
     * the kernel, and the kernel may have sent the rename, before the lookup's thread notes what
     * it answered (a publish to the new name then found it not kept, and the kernel went on
     * answering it with the replaced version's node).
     */
    void renamed(Binding from, Binding to, boolean exchange) {
        long now = System.nanoTime();
        long moved = movedUntil(names.get(from), now);
        long other = exchange ? movedUntil(names.get(to), now) : 0;
        keep(to, moved);
        if (exchange) {
            keep(from, other);
        }
    }

    /** Until when the kernel may keep a name with {@code mark} (0: not kept), a lookup in progress counted as kept. */
    private long movedUntil(Mark mark, long now) {
        if (mark == null) {
            return 0;
        }
        long kept = until(mark);
        if (mark.resolving == 0) {
            return kept;
        }
        long longest = now + (long) (KernelTimeouts.KEEP * 1e9) + LATE_NANOS;
        return kept != 0 && kept - longest > 0 ? kept : longest;
    }

    /** {@code name} is kept until {@code until} (0: not kept), whatever was noted of it before. */
    private void keep(Binding name, long until) {
        if (until == 0) {
            names.computeIfPresent(name, (key, mark) -> mark.resolving > 0 ? new Mark(mark.resolving, 0, mark.generation)
                    : null);
            return;
        }
        long generation = generations.get();
        names.merge(name, new Mark(0, until, generation), (mark, kept) -> new Mark(mark.resolving, until, generation));
    }
}
