package dev.dxfs.agent.runtime;

/**
 * The agent's messages: one line each on stderr. The agent runs inside other people's tools,
 * so it loads no logging framework into their class loaders.
 */
final class AgentLog {
    private static volatile boolean debug;

    private AgentLog() {}

    static void debugEnabled(boolean enabled) {
        debug = enabled;
    }

    /** Whether debug messages are printed: a message built for every write is built only then. */
    static boolean debugging() {
        return debug;
    }

    static void debug(String message) {
        if (debug) {
            System.err.println("dxfs-agent: " + message);
        }
    }

    static void warn(String message) {
        System.err.println("dxfs-agent: " + message);
    }
}
