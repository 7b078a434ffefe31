package dev.dxfs.agent;

import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * {@code getChannel()} of a stream or file: {@code Dispatcher.channelOf(channel, this)} before
 * every return, so that a failed write through the channel is known as the owner's.
 */
final class ChannelHook extends MethodVisitor {
    private final String dispatcherMethod;

    ChannelHook(MethodVisitor code, String dispatcherMethod) {
        super(Opcodes.ASM9, code);
        this.dispatcherMethod = dispatcherMethod;
    }

    @Override
    public void visitInsn(int opcode) {
        if (opcode == Opcodes.ARETURN) {
            super.visitInsn(Opcodes.DUP);
            super.visitVarInsn(Opcodes.ALOAD, 0);
            super.visitMethodInsn(Opcodes.INVOKESTATIC, Hook.DISPATCHER, dispatcherMethod,
                    "(Ljava/lang/Object;Ljava/lang/Object;)V", false);
        }
        super.visitInsn(opcode);
    }

    @Override
    public void visitMaxs(int maxStack, int maxLocals) {
        super.visitMaxs(maxStack + 2, maxLocals);
    }
}
