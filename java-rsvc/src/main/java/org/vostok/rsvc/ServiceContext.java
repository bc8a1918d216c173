package org.vostok.rsvc;

import java.nio.file.Path;
import org.vostok.rdb.Replica;

/**
 * What a service object is given when its replica starts ({@link RsvcClass#allocate}).
 *
 * @param serviceId the service's id (one Raft group)
 * @param replica the rdb replica the service keeps its state in
 * @param directory the replica's own directory, for anything it keeps beside the database
 * @param node the node the replica runs on: to call other nodes, and to start or stop replicas
 */
public record ServiceContext(long serviceId, Replica replica, Path directory, NodeHandle node) {
}
