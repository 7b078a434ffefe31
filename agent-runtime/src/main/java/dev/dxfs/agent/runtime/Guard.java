package dev.dxfs.agent.runtime;

import java.io.IOException;

/**
 * Marks the agent's own file operations on the current thread: they run through the same
 * instrumented JDK methods, which must then pass them through untouched.
 */
final class Guard {
    /** Set while active; no initial-value lambda, which the tool's first file open would spin. */
    private static final ThreadLocal<Boolean> ACTIVE = new ThreadLocal<>();

    private Guard() {}

    static boolean active() {
        return ACTIVE.get() != null;
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
            ACTIVE.remove();
        }
    }
}
