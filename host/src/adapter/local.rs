//! In-memory rooms of one namespace. Owned by the namespace's endpoint actor,
//! so it needs no lock: broadcasts look members up in place, without copying
//! member lists.

use std::collections::HashMap;

use sio_protocol::{ConnId, ConnIdSet};

/// The rooms of one namespace on this node: room name to member connections.
/// Only rooms with members are kept.
#[derive(Default, Debug)]
pub struct LocalAdapter {
    rooms: HashMap<String, ConnIdSet>,
}

impl LocalAdapter {
    /// Add `conn` to `room`; true when it was not a member yet.
    pub fn join(&mut self, room: &str, conn: ConnId) -> bool {
        match self.rooms.get_mut(room) {
            Some(members) => members.insert(conn),
            None => {
                self.rooms
                    .insert(room.to_string(), ConnIdSet::from_iter([conn]));
                true
            }
        }
    }

    /// Remove `conn` from `room`; true when it was a member. An emptied room
    /// is dropped.
    pub fn leave(&mut self, room: &str, conn: ConnId) -> bool {
        let Some(members) = self.rooms.get_mut(room) else {
            return false;
        };
        let removed = members.remove(&conn);
        if members.is_empty() {
            self.rooms.remove(room);
        }
        removed
    }

    /// The connections in `room` (none if it does not exist).
    pub fn members(&self, room: &str) -> impl Iterator<Item = ConnId> + '_ {
        self.rooms.get(room).into_iter().flatten().copied()
    }

    /// How many connections `room` has.
    pub fn size(&self, room: &str) -> usize {
        self.rooms.get(room).map_or(0, ConnIdSet::len)
    }

    /// Every room with at least one member.
    pub fn names(&self) -> impl Iterator<Item = &str> + '_ {
        self.rooms.keys().map(String::as_str)
    }

    /// How many rooms have members.
    #[cfg(test)]
    pub fn room_count(&self) -> usize {
        self.rooms.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_leave_members() {
        let mut a = LocalAdapter::default();
        assert!(a.join("r", 1));
        assert!(!a.join("r", 1));
        assert!(a.join("r", 2));
        let mut m: Vec<_> = a.members("r").collect();
        m.sort();
        assert_eq!(m, vec![1, 2]);
        assert!(a.leave("r", 1));
        assert!(!a.leave("r", 1));
        assert!(a.leave("r", 2));
        assert_eq!(a.room_count(), 0);
        assert_eq!(a.members("nope").count(), 0);
    }
}
