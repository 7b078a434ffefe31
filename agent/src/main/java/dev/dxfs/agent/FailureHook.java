package dev.dxfs.agent;

import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * A write of a stream, file or channel ({@code write}, {@code setLength}, {@code truncate},
 * {@code transferFrom}):
 * <pre>
 * try { original body } catch (IOException e) { Dispatcher.writeFailed(e, this); throw e; }
 * </pre>
 * so that a staged write whose write failed is never published. The handler is added after the
 * method's own ones, so theirs still catch first; a write that returns costs nothing more.
 */
final class FailureHook extends MethodVisitor {
    private static final String IO_EXCEPTION = "java/io/IOException";
    private static final String DESCRIPTOR = "(Ljava/io/IOException;Ljava/lang/Object;)V";

    private final HookedMethod method;
    private final String dispatcherMethod;
    private final Label bodyStart = new Label();

    FailureHook(MethodVisitor code, HookedMethod method, String dispatcherMethod) {
        super(Opcodes.ASM9, code);
        this.method = method;
        this.dispatcherMethod = dispatcherMethod;
    }

    @Override
    public void visitCode() {
        super.visitCode();
        super.visitLabel(bodyStart);
    }

    @Override
    public void visitMaxs(int maxStack, int maxLocals) {
        method.startHandler(mv, bodyStart, IO_EXCEPTION);
        super.visitInsn(Opcodes.DUP);
        super.visitVarInsn(Opcodes.ALOAD, 0);
        super.visitMethodInsn(Opcodes.INVOKESTATIC, Hook.DISPATCHER, dispatcherMethod, DESCRIPTOR, false);
        super.visitInsn(Opcodes.ATHROW);
        // The handler holds the exception, its copy and the receiver.
        super.visitMaxs(Math.max(maxStack, 3), maxLocals);
    }
}
