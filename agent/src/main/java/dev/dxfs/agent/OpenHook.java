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
 * try { original body } catch (Throwable t) { Dispatcher.openFailed(this); throw t; }
 * </pre>
 * The handler is added after the method's own ones, so theirs still catch first.
 */
final class OpenHook extends DispatchingHook {
    private static final String OPEN_FAILED = "openFailed";
    private static final String OWNER_DESCRIPTOR = "(Ljava/lang/Object;)V";

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
    }

    @Override
    public void visitMaxs(int maxStack, int maxLocals) {
        method.startHandler(mv, bodyStart, null);
        super.visitVarInsn(Opcodes.ALOAD, 0);
        super.visitMethodInsn(Opcodes.INVOKESTATIC, Hook.DISPATCHER, OPEN_FAILED, OWNER_DESCRIPTOR, false);
        super.visitInsn(Opcodes.ATHROW);
        // The entry code holds the receiver and the arguments; the handler the throwable and the receiver.
        super.visitMaxs(Math.max(maxStack, 1 + method.argumentSlots()), maxLocals);
    }
}
