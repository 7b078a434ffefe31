package dev.dxfs.agent;

import java.util.Map;
import jdk.internal.misc.Unsafe;

/**
 * Defines classes in the bootstrap class loader. A class of its own, loaded only once
 * {@link Agent} has exported {@code jdk.internal.misc} to the agent: its calls of {@code Unsafe}
 * are linked at their first run, which must come after the export.
 */
final class BootstrapDefiner {
    private BootstrapDefiner() {}

    /** Defines {@code classes} in order, each from its name and bytes. */
    static void define(Map<String, byte[]> classes) {
        Unsafe unsafe = Unsafe.getUnsafe();
        for (Map.Entry<String, byte[]> type : classes.entrySet()) {
            unsafe.defineClass(type.getKey(), type.getValue(), 0, type.getValue().length, null, null);
        }
    }
}
