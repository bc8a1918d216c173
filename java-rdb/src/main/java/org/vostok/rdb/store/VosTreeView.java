package org.vostok.rdb.store;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.BiConsumer;
import org.vostok.vos.Container;
import org.vostok.vos.Iteration;
import org.vostok.vos.Key;

/** The KV tree as stored in the LOG container at one epoch. */
final class VosTreeView implements TreeView {

    private final Container log;
    private final long epoch;

    VosTreeView(Container log, long epoch) {
        this.log = log;
        this.epoch = epoch;
    }

    @Override
    public Optional<byte[]> get(long oid, Key key) {
        return log.fetch(oid, key, epoch);
    }

    /** Without reading a value that cannot be a descriptor: most are longer than one. */
    @Override
    public boolean holdsKvs(long oid, Key key) {
        OptionalInt length = log.valueLength(oid, key, epoch);
        return length.isPresent() && length.getAsInt() == TaggedValues.DESCRIPTOR_BYTES && TreeView.super.holdsKvs(oid, key);
    }

    @Override
    public void forEachKvsChild(long oid, BiConsumer<Key, Descriptor> visitor) {
        log.iterate(Iteration.forward(oid, epoch), r -> {
            if (r.valueLength() > 0) {
                byte[] raw = r.value();
                if (TaggedValues.isKvs(raw)) {
                    visitor.accept(r.key(), TaggedValues.descriptorOf(raw));
                }
            }
            return true;
        });
    }
}
