//! Keepalive pings (`--ping-interval`, `--ping-timeout`): when to send the
//! next ping, which pong answers it, and when the peer has been silent too
//! long. The loops that own a socket (a client connection, `ws listen`, the
//! echo server) ask [`Keepalive::due`] when to wake, call
//! [`Keepalive::tick`] then, and hand every pong to [`Keepalive::pong`].

use std::time::Duration;

use tokio::time::Instant;

/// How often to ping and how long to wait for the pong.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KeepaliveSettings {
    /// Time between pings.
    pub interval: Duration,
    /// How long a ping may go unanswered.
    pub timeout: Duration,
}

/// What a loop does when the keepalive wakes it.
#[derive(Debug, PartialEq, Eq)]
pub enum Tick {
    /// Send a ping with this payload.
    Ping(Vec<u8>),
    /// The last ping went unanswered: give up on the peer.
    Expired(String),
    /// Nothing yet.
    Wait,
}

/// A keepalive ping sent or its pong received, for a console that shows
/// them (`--verbose`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Note {
    /// A keepalive ping went out.
    Ping,
    /// The pong of a keepalive ping came back.
    Pong,
}

/// The keepalive state of one connection.
#[derive(Debug)]
pub struct Keepalive {
    /// What happened, kept only when asked (see [`Keepalive::record_notes`]).
    notes: Option<Vec<Note>>,
    settings: Option<KeepaliveSettings>,
    next_ping: Instant,
    /// When the pong of the ping in flight is due.
    pong_due: Option<Instant>,
    sent: u64,
}

impl Keepalive {
    /// A keepalive with `settings`, or one that never wakes (`None`).
    pub fn new(settings: Option<KeepaliveSettings>) -> Keepalive {
        let now = Instant::now();
        Keepalive {
            notes: None,
            next_ping: now + settings.map_or(Duration::ZERO, |s| s.interval),
            settings,
            pong_due: None,
            sent: 0,
        }
    }

    /// When the loop should wake next; `None` never.
    pub fn due(&self) -> Option<Instant> {
        self.settings?;
        Some(
            self.pong_due
                .map_or(self.next_ping, |due| due.min(self.next_ping)),
        )
    }

    /// What to do now.
    pub fn tick(&mut self) -> Tick {
        let Some(settings) = self.settings else {
            return Tick::Wait;
        };
        let now = Instant::now();
        if self.pong_due.is_some_and(|due| now >= due) {
            return Tick::Expired(format!(
                "no pong within {} s",
                settings.timeout.as_secs_f64()
            ));
        }
        if now < self.next_ping {
            return Tick::Wait;
        }
        self.sent += 1;
        let payload = format!("ws keepalive {}", self.sent).into_bytes();
        self.next_ping = now + settings.interval;
        // A ping still unanswered keeps its own deadline.
        self.pong_due.get_or_insert(now + settings.timeout);
        self.note(Note::Ping);
        Tick::Ping(payload)
    }

    /// Starts afresh, as if just made: no ping in flight, the next one an
    /// interval from now (reads resume after a pause).
    pub fn restart(&mut self) {
        self.pong_due = None;
        if let Some(settings) = self.settings {
            self.next_ping = Instant::now() + settings.interval;
        }
    }

    /// Takes a pong; `true` when it answers a keepalive ping (and is not
    /// the user's business).
    pub fn pong(&mut self, payload: &[u8]) -> bool {
        if self.settings.is_none() || !payload.starts_with(b"ws keepalive ") {
            return false;
        }
        self.pong_due = None;
        self.note(Note::Pong);
        true
    }

    /// Keeps a [`Note`] of each ping and pong from now on, for whoever
    /// takes them (and does so often).
    pub fn record_notes(&mut self) {
        self.notes.get_or_insert_with(Vec::new);
    }

    /// The notes kept since the last call.
    pub fn take_notes(&mut self) -> Vec<Note> {
        self.notes.as_mut().map(std::mem::take).unwrap_or_default()
    }

    fn note(&mut self, note: Note) {
        if let Some(notes) = &mut self.notes {
            notes.push(note);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(interval: u64, timeout: u64) -> Option<KeepaliveSettings> {
        Some(KeepaliveSettings {
            interval: Duration::from_millis(interval),
            timeout: Duration::from_millis(timeout),
        })
    }

    #[test]
    fn without_settings_it_never_wakes() {
        let mut keepalive = Keepalive::new(None);
        assert_eq!(keepalive.due(), None);
        assert_eq!(keepalive.tick(), Tick::Wait);
        assert!(!keepalive.pong(b"ws keepalive 1"));
    }

    #[tokio::test]
    async fn a_ping_each_interval_and_the_end_when_no_pong_comes() {
        let mut keepalive = Keepalive::new(settings(20, 50));
        assert_eq!(keepalive.tick(), Tick::Wait);
        tokio::time::sleep_until(keepalive.due().unwrap()).await;
        assert_eq!(keepalive.tick(), Tick::Ping(b"ws keepalive 1".to_vec()));
        assert!(keepalive.pong(b"ws keepalive 1"));
        assert!(!keepalive.pong(b"someone else's"));
        let answered = Instant::now();
        let mut pings = 0;
        let why = loop {
            tokio::time::sleep_until(keepalive.due().unwrap()).await;
            match keepalive.tick() {
                Tick::Expired(why) => break why,
                Tick::Ping(_) => pings += 1,
                Tick::Wait => {}
            }
        };
        assert_eq!(why, "no pong within 0.05 s");
        // Pings went on every interval while the pong was awaited.
        assert!(pings >= 2, "{pings}");
        assert!(answered.elapsed() >= Duration::from_millis(70));
    }
}
