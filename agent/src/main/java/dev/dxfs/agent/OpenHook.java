package dev.dxfs.agent;

import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * {@code FileOutputStream.open(String name, boolean append)},
 * {@code RandomAccessFile.open(String name, int mode)} and {@code FileInputStream.open(String
 * name)}, which all their constructors end in:
 * <pre>
 * name = Dispatcher.dispatcherMethod(this, name[, append|mode]);
 * again: try { original body } catch (Throwable t) { Dispatcher.openFailed(this, t); goto again; }
 * </pre>
 * {@code openFailed} throws {@code t} unless the open is to be tried again: a stream's open
 * that makes its temp file itself fails when another JVM removed the empty staging directory
 * just before, and the Dispatcher then makes it again. The handler is added after the method's
 * own ones, so theirs still catch first; the only frame added besides the handler's is at the
 * start of the body, where the parameters are all that is live, as at the method's entry.
 */
final class OpenHook extends DispatchingHook {
    private static final String OPEN_FAILED = "openFailed";
    private static final String FAILED_DESCRIPTOR = "(Ljava/lang/Object;Ljava/lang/Throwable;)V";

    private final Label bodyStart = new Label();

    OpenHook(MethodVisitor code, HookedMethod method, String dispatcherMethod) {
        super(code, method, dispatcherMethod);
    }

    @Override
    public void visitCode() {
        super.visitCode();
        StringBuilder descriptor = new StringBuilder("(Ljava/lang/Object;");
        for (Type argument : method.arguments()) {
            descriptor.append(argument.getDescriptor());
        }
        super.visitVarInsn(Opcodes.ALOAD, 0);
        callDispatcher(descriptor.append(")Ljava/lang/String;").toString());
        super.visitVarInsn(Opcodes.ASTORE, 1);
        super.visitLabel(bodyStart);
        method.frame(mv);
    }

    @Override
    public void visitMaxs(int maxStack, int maxLocals) {
        method.startHandler(mv, bodyStart, null);
        super.visitVarInsn(Opcodes.ALOAD, 0);
        super.visitInsn(Opcodes.SWAP);
        super.visitMethodInsn(Opcodes.INVOKESTATIC, Hook.DISPATCHER, OPEN_FAILED, FAILED_DESCRIPTOR, false);
        super.visitJumpInsn(Opcodes.GOTO, bodyStart);
        // The entry code holds the receiver and the arguments; the handler the throwable and the receiver.
        super.visitMaxs(Math.max(maxStack, 1 + method.argumentSlots()), maxLocals);
    }
}
