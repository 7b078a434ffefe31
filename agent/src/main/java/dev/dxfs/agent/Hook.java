package dev.dxfs.agent;

import org.objectweb.asm.MethodVisitor;

/**
 * A method of a JDK class the agent rewrites, by name and descriptor, and how. Hooks are made
 * and compared in the tool's start-up, so they are plain objects with identity: a record's
 * {@code equals} and {@code hashCode} (and a lambda per kind) would spin method handles there.
 */
final class Hook {
    /**
     * The class the woven code calls, defined in the bootstrap loader's unnamed module (which
     * java.base may read once an agent has transformed it: the JVM adds that edge itself).
     */
    static final String DISPATCHER = "dev/dxfs/agent/runtime/Dispatcher";

    private enum Kind {
        /** {@code open(name, ...)}: the Dispatcher says which name is really opened, and hears of a failed open. */
        OPEN,
        /** {@code close()}: the Dispatcher hears of every close that returns. */
        CLOSE,
        /** The Dispatcher may answer the call itself, given the same arguments; else the JDK's code runs. */
        ANSWER,
        /** A write: the Dispatcher hears of every IOException it throws. */
        FAILURE,
        /** {@code getChannel()}: the Dispatcher hears which channel belongs to which stream or file. */
        CHANNEL
    }

    private final String method;
    private final String descriptor;
    private final Kind kind;
    private final String dispatcherMethod;
    /** Whether the Dispatcher is given the receiver first (an answer hook). */
    private final boolean receiver;
    /** Whether the method is one only some JDK versions have (JDK 17's or a later one's form of a call). */
    private final boolean inSomeJdks;

    private Hook(String method, String descriptor, Kind kind, String dispatcherMethod) {
        this(method, descriptor, kind, dispatcherMethod, false, false);
    }

    private Hook(String method, String descriptor, Kind kind, String dispatcherMethod, boolean receiver,
            boolean inSomeJdks) {
        this.method = method;
        this.descriptor = descriptor;
        this.kind = kind;
        this.dispatcherMethod = dispatcherMethod;
        this.receiver = receiver;
        this.inSomeJdks = inSomeJdks;
    }

    static Hook open(String descriptor, String dispatcherMethod) {
        return new Hook("open", descriptor, Kind.OPEN, dispatcherMethod);
    }

    static Hook close() {
        return new Hook("close", "()V", Kind.CLOSE, "closed");
    }

    static Hook answer(String method, String descriptor, String dispatcherMethod) {
        return new Hook(method, descriptor, Kind.ANSWER, dispatcherMethod);
    }

    /** An answer hook whose Dispatcher method is given the receiver, then the arguments. */
    static Hook answerWithReceiver(String method, String descriptor, String dispatcherMethod) {
        return new Hook(method, descriptor, Kind.ANSWER, dispatcherMethod, true, false);
    }

    /** An answer hook of a method only some JDK versions have: not reported missing in the others. */
    static Hook answerInSomeJdks(String method, String descriptor, String dispatcherMethod) {
        return new Hook(method, descriptor, Kind.ANSWER, dispatcherMethod, false, true);
    }

    boolean inSomeJdks() {
        return inSomeJdks;
    }

    static Hook failure(String method, String descriptor) {
        return new Hook(method, descriptor, Kind.FAILURE, "writeFailed");
    }

    static Hook channel() {
        return new Hook("getChannel", "()Ljava/nio/channels/FileChannel;", Kind.CHANNEL, "channelOf");
    }

    boolean matches(String name, String methodDescriptor) {
        return method.equals(name) && descriptor.equals(methodDescriptor);
    }

    /** Wraps the code of {@code hooked} on its way from the class reader to the writer. */
    MethodVisitor weave(MethodVisitor code, HookedMethod hooked) {
        switch (kind) {
            case OPEN:
                return new OpenHook(code, hooked, dispatcherMethod);
            case CLOSE:
                return new CloseHook(code, dispatcherMethod);
            case FAILURE:
                return new FailureHook(code, hooked, dispatcherMethod);
            case CHANNEL:
                return new ChannelHook(code, dispatcherMethod);
            default:
                return new AnswerHook(code, hooked, dispatcherMethod, receiver);
        }
    }

    @Override
    public String toString() {
        return method + descriptor;
    }
}
