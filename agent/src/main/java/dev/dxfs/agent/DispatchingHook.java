package dev.dxfs.agent;

import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/** A hook whose woven code starts by calling the Dispatcher with the hooked method's arguments. */
abstract class DispatchingHook extends MethodVisitor {
    final HookedMethod method;
    private final String dispatcherMethod;

    DispatchingHook(MethodVisitor code, HookedMethod method, String dispatcherMethod) {
        super(Opcodes.ASM9, code);
        this.method = method;
        this.dispatcherMethod = dispatcherMethod;
    }

    /**
     * Pushes the hooked method's arguments after whatever is on the operand stack already, and
     * calls the Dispatcher's method, of {@code descriptor}, with all of them.
     */
    void callDispatcher(String descriptor) {
        method.loadArguments(mv);
        mv.visitMethodInsn(Opcodes.INVOKESTATIC, Hook.DISPATCHER, dispatcherMethod, descriptor, false);
    }
}
