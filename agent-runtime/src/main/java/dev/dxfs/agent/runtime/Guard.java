package dev.dxfs.agent.runtime;

import java.io.IOException;

/**
 * Marks the agent's own file operations on the current thread: they run through the same
 * instrumented JDK methods, which must then pass them through untouched.
 */
final class Guard {
    private static final ThreadLocal<Boolean> ACTIVE = ThreadLocal.withInitial(() -> Boolean.FALSE);

    private Guard() {}

    static boolean active() {
        return ACTIVE.get();
    }

    interface Action<T> {
        T run() throws IOException;
    }

    static <T> T run(Action<T> action) throws IOException {
        if (ACTIVE.get()) {
            return action.run();
        }
        ACTIVE.set(Boolean.TRUE);
        try {
            return action.run();
        } finally {
            ACTIVE.set(Boolean.FALSE);
        }
    }
}
