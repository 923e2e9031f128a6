"""How the node and the centre meet: the link's state, the forwarder, the replica's refresh."""
