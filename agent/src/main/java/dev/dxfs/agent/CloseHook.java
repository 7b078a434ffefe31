package dev.dxfs.agent;

import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * {@code close()} of a stream, file or channel: {@code Dispatcher.closed(this)} before every
 * return, so a staged write the closed object owns is published before its close returns.
 */
final class CloseHook extends MethodVisitor {
    private final String dispatcherMethod;

    CloseHook(MethodVisitor code, String dispatcherMethod) {
        super(Opcodes.ASM9, code);
        this.dispatcherMethod = dispatcherMethod;
    }

    @Override
    public void visitInsn(int opcode) {
        if (opcode == Opcodes.RETURN) {
            super.visitVarInsn(Opcodes.ALOAD, 0);
            super.visitMethodInsn(Opcodes.INVOKESTATIC, Hook.DISPATCHER, dispatcherMethod, "(Ljava/lang/Object;)V", false);
        }
        super.visitInsn(opcode);
    }

    @Override
    public void visitMaxs(int maxStack, int maxLocals) {
        super.visitMaxs(maxStack + 1, maxLocals);
    }
}
