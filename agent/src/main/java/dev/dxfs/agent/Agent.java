package dev.dxfs.agent;

import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;

/**
 * The agent's entry points ({@code -javaagent} and dynamic attach). The code woven into
 * java.base calls the runtime (the policy and the dispatcher), so the runtime's classes are
 * defined in the bootstrap class loader first; only then is anything that refers to them loaded
 * ({@link Installer}). They are defined one by one rather than by appending a jar to the
 * bootstrap class path, which would turn class-data sharing off for the tool and make the JVM
 * print a warning.
 */
public final class Agent {
    private static final String RUNTIME = "/dxfs-agent-runtime.jar";
    /** Defined first: the runtime's classes implement the policy's interfaces. */
    private static final String POLICY_PACKAGE = "dev.dxfs.policy.";
    private static final String INTERNAL = "jdk.internal.misc";
    /** A class of the runtime: present in the bootstrap loader once an agent has started here. */
    private static final String RUNTIME_MARKER = "dev.dxfs.agent.runtime.Dispatcher";

    private Agent() {}

    public static void premain(String args, Instrumentation instrumentation) {
        start(args, instrumentation);
    }

    public static void agentmain(String args, Instrumentation instrumentation) {
        start(args, instrumentation);
    }

    private static void start(String args, Instrumentation instrumentation) {
        try {
            startOnce(args, instrumentation);
        } catch (SecurityException e) {
            // A premain that throws aborts the JVM: a tool under a policy that does not grant the agent runs on without it.
            System.err.println("dxfs-agent: the security policy does not grant the agent's jar what it needs ("
                    + e.getMessage() + "); running without the agent");
        }
    }

    private static void startOnce(String args, Instrumentation instrumentation) {
        if (runtimeLoaded()) {
            System.err.println("dxfs-agent: already running in this JVM");
            return;
        }
        try {
            defineInBootstrapLoader(runtimeClasses(), instrumentation);
        } catch (IOException | RuntimeException | LinkageError e) {
            System.err.println("dxfs-agent: cannot load its runtime (" + e + "); running without the agent");
            return;
        }
        Installer.install(args, instrumentation);
    }

    private static boolean runtimeLoaded() {
        try {
            Class.forName(RUNTIME_MARKER, false, null);
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /**
     * Defines {@code classes} in the bootstrap class loader, in order, with the JDK's internal
     * {@code Unsafe.defineClass}: an agent may export that package to itself. It is called
     * directly ({@link BootstrapDefiner}, loaded after the export), not by reflection: on JDK 22
     * and later a reflective call spins method handles, a hundred classes and tens of
     * milliseconds of every tool's start-up.
     */
    private static void defineInBootstrapLoader(Map<String, byte[]> classes, Instrumentation instrumentation) {
        Module base = Object.class.getModule();
        instrumentation.redefineModule(base, Set.of(), Map.of(INTERNAL, Set.of(Agent.class.getModule())), Map.of(),
                Set.of(), Map.of());
        BootstrapDefiner.define(classes);
    }

    /** The classes of the runtime jar inside the agent jar, the policy's first. */
    private static Map<String, byte[]> runtimeClasses() throws IOException {
        Map<String, byte[]> policy = new LinkedHashMap<>();
        Map<String, byte[]> rest = new LinkedHashMap<>();
        try (InputStream resource = Agent.class.getResourceAsStream(RUNTIME)) {
            if (resource == null) {
                throw new IOException(RUNTIME + " is missing from the agent jar");
            }
            JarInputStream jar = new JarInputStream(resource);
            for (JarEntry entry = jar.getNextJarEntry(); entry != null; entry = jar.getNextJarEntry()) {
                String name = entry.getName();
                if (name.endsWith(".class") && !name.contains("-")) {
                    String type = name.substring(0, name.length() - ".class".length()).replace('/', '.');
                    (type.startsWith(POLICY_PACKAGE) ? policy : rest).put(type, jar.readAllBytes());
                }
            }
        }
        policy.putAll(rest);
        return policy;
    }
}
