package org.vostok.rdb.store;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import org.vostok.vos.Container;
import org.vostok.vos.Iteration;
import org.vostok.vos.Key;

/**
 * The KV tree as stored in the LOG container at one epoch.
 *
 * <p>The KVS descriptors it reads are kept: what a view shows never changes (its epoch is fixed),
 * and every entry of a batch or every proposal of a round resolves the same path again (the
 * root's descriptor, then one per level), two or more VOS lookups an update otherwise.
 *
 * <p>Thread-safety: safe for any thread (a {@link TreeReader} shares its view).
 */
final class VosTreeView implements TreeView {

    private final Container log;
    private final long epoch;
    /** KVS descriptors read at this epoch, by where they are stored. */
    private final ConcurrentHashMap<Place, byte[]> descriptors = new ConcurrentHashMap<>();

    private record Place(long oid, Key key) {
    }

    VosTreeView(Container log, long epoch) {
        this.log = log;
        this.epoch = epoch;
    }

    @Override
    public Optional<byte[]> get(long oid, Key key) {
        if (oid == StoreLayout.REQUESTS_OID || oid == StoreLayout.REQUEST_RECORDS_OID) {
            // Client and request records are never descriptors: no place built, no map looked in, per write.
            return log.fetch(oid, key, epoch);
        }
        Place place = new Place(oid, key);
        byte[] descriptor = descriptors.get(place);
        if (descriptor != null) {
            return Optional.of(descriptor.clone());
        }
        Optional<byte[]> raw = log.fetch(oid, key, epoch);
        // Only what is plainly a descriptor (records of other objects are not tagged values).
        if (raw.isPresent() && raw.get().length == TaggedValues.DESCRIPTOR_BYTES
                && raw.get()[0] == TaggedValues.TAG_KVS) {
            descriptors.put(place, raw.get().clone());
        }
        return raw;
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
