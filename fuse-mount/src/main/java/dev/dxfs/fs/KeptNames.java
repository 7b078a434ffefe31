package dev.dxfs.fs;

import dev.dxfs.fs.NodeTable.Binding;
import dev.dxfs.fuse.KernelCache;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The file names the kernel may be keeping, so that a change of what one of them means (a
 * publish, a writer's close) makes the kernel look them up again ({@link KernelCache#forgetNames},
 * the connection's epoch) only when it has to. The epoch drops every name the kernel keeps, of
 * directories too; a name nobody looked up since the last epoch needs none.
 *
 * <p>A name counts from before its lookup reads the backing directory until the next epoch: a
 * lookup that read the old version while a publish renamed the new one in must be seen by that
 * publish. A lookup whose answer was not kept (no such file, an executable, a name being
 * written) stops counting once answered, so creating and running files costs no epoch.
 */
final class KeptNames {
    /** Added to a name's count of lookups in progress once one of them was answered kept. */
    private static final int KEPT = 1 << 30;

    private final ConcurrentHashMap<Binding, Integer> names = new ConcurrentHashMap<>();

    /** Before a lookup of {@code name} reads it in the backing directory. */
    void resolving(Binding name) {
        names.merge(name, 1, Integer::sum);
    }

    /** Once the lookup's answer is decided, before it is sent: {@code kept} if the kernel may keep it. */
    void resolved(Binding name, boolean kept) {
        names.compute(name, (key, count) -> {
            int left = (count == null ? 0 : count - 1) | (kept ? KEPT : 0);
            return left == 0 ? null : left;
        });
    }

    /**
     * Before a request that changed what {@code name} means is answered: the kernel forgets every
     * name it keeps if it may be keeping this one. What the kernel keeps from now on is counted
     * afresh; a lookup in progress stays counted.
     */
    void changed(Binding name, KernelCache kernel) {
        Integer count = names.get(name);
        if (count != null && count != 0) {
            forgetAll(kernel);
        }
    }

    /**
     * Makes the kernel forget every name. The marks go before the epoch rises: a lookup answered
     * between the two was sent before the rise (the kernel notes the epoch before it sends a
     * lookup), so the kernel treats its answer as expired, and one answered later keeps its mark.
     */
    void forgetAll(KernelCache kernel) {
        names.replaceAll((key, count) -> count & ~KEPT);
        names.values().removeIf(count -> count == 0);
        kernel.forgetNames();
    }

    /** A rename made through the kernel moves its names: the new names count as the old ones did. */
    void renamed(Binding from, Binding to, boolean exchange) {
        Integer moved = names.get(from);
        Integer other = exchange ? names.get(to) : null;
        if (moved != null && (moved & KEPT) != 0) {
            names.merge(to, KEPT, (count, kept) -> count | kept);
        }
        if (other != null && (other & KEPT) != 0) {
            names.merge(from, KEPT, (count, kept) -> count | kept);
        }
    }
}
