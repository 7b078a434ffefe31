package dev.dxfs.agent.runtime;

import java.io.IOException;
import java.security.AccessController;
import java.security.PrivilegedActionException;
import java.security.PrivilegedExceptionAction;

/**
 * Marks the agent's own file operations on the current thread: they run through the same
 * instrumented JDK methods, which must then pass them through untouched. Under a
 * {@code SecurityManager} they run with the agent's own rights (its runtime is the bootstrap
 * loader's), not the tool's: the tool's are checked first, as the JDK would
 * ({@link CallerChecks}).
 */
@SuppressWarnings("removal")
final class Guard {
    /** TRUE while active; unset at first (an initial-value lambda would be spun at the tool's first open). */
    private static final ThreadLocal<Boolean> ACTIVE = new ThreadLocal<>();

    private Guard() {}

    static boolean active() {
        return ACTIVE.get() == Boolean.TRUE;
    }

    interface Action<T> extends PrivilegedExceptionAction<T> {
        @Override
        T run() throws IOException;
    }

    static <T> T run(Action<T> action) throws IOException {
        if (active()) {
            return action.run();
        }
        ACTIVE.set(Boolean.TRUE);
        try {
            return System.getSecurityManager() == null ? action.run() : AccessController.doPrivileged(action);
        } catch (PrivilegedActionException e) {
            // Action.run throws nothing checked but IOException.
            throw (IOException) e.getException();
        } finally {
            // Not remove(): the thread's next write would allocate a new map entry.
            ACTIVE.set(Boolean.FALSE);
        }
    }
}
