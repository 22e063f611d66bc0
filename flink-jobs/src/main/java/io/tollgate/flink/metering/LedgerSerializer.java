package io.tollgate.flink.metering;

import io.tollgate.metering.UsageLedger;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * A {@link UsageLedger} in Flink state, through its own bytes ({@link UsageLedger#write}): on the
 * heap backend it is serialized at checkpoints only.
 */
public final class LedgerSerializer extends TypeSerializer<UsageLedger> {
  private static final long serialVersionUID = 1L;
  public static final LedgerSerializer INSTANCE = new LedgerSerializer();

  @Override
  public boolean isImmutableType() {
    return false;
  }

  @Override
  public TypeSerializer<UsageLedger> duplicate() {
    return this;
  }

  @Override
  public UsageLedger createInstance() {
    return null;
  }

  @Override
  public UsageLedger copy(UsageLedger from) {
    return from == null ? null : UsageLedger.read(from.write());
  }

  @Override
  public UsageLedger copy(UsageLedger from, UsageLedger reuse) {
    return copy(from);
  }

  @Override
  public int getLength() {
    return -1;
  }

  @Override
  public void serialize(UsageLedger record, DataOutputView target) throws IOException {
    byte[] b = record.write();
    target.writeInt(b.length);
    target.write(b);
  }

  @Override
  public UsageLedger deserialize(DataInputView source) throws IOException {
    byte[] b = new byte[source.readInt()];
    source.readFully(b);
    return UsageLedger.read(b);
  }

  @Override
  public UsageLedger deserialize(UsageLedger reuse, DataInputView source) throws IOException {
    return deserialize(source);
  }

  @Override
  public void copy(DataInputView source, DataOutputView target) throws IOException {
    int n = source.readInt();
    target.writeInt(n);
    target.write(source, n);
  }

  @Override
  public boolean equals(Object obj) {
    return obj instanceof LedgerSerializer;
  }

  @Override
  public int hashCode() {
    return LedgerSerializer.class.hashCode();
  }

  @Override
  public TypeSerializerSnapshot<UsageLedger> snapshotConfiguration() {
    return new Snapshot();
  }

  /** Its snapshot: no configuration (the ledger's bytes carry their format). */
  public static final class Snapshot extends SimpleTypeSerializerSnapshot<UsageLedger> {
    public Snapshot() {
      super(() -> INSTANCE);
    }
  }
}
