package dev.dxfs.agent.runtime;

import java.io.IOException;

/**
 * Marks the agent's own file operations on the current thread: they run through the same
 * instrumented JDK methods, which must then pass them through untouched.
 */
final class Guard {
    /** TRUE while active; unset at first (an initial-value lambda would be spun at the tool's first open). */
    private static final ThreadLocal<Boolean> ACTIVE = new ThreadLocal<>();

    private Guard() {}

    static boolean active() {
        return ACTIVE.get() == Boolean.TRUE;
    }

    interface Action<T> {
        T run() throws IOException;
    }

    static <T> T run(Action<T> action) throws IOException {
        if (active()) {
            return action.run();
        }
        ACTIVE.set(Boolean.TRUE);
        try {
            return action.run();
        } finally {
            // Not remove(): the thread's next write would allocate a new map entry.
            ACTIVE.set(Boolean.FALSE);
        }
    }
}
