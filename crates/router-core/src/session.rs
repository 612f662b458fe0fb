//! Session stickiness: which model and context each client session was served with, in a bounded
//! least-recently-used map, so a conversation keeps Ollama's prompt cache instead of bouncing
//! between models.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::request::Kind;
use crate::route::SessionPin;

/// Bounded LRU of session pins.
#[derive(Debug)]
pub struct Sessions {
    capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    tick: u64,
    pins: HashMap<String, (SessionPin, u64)>,
}

impl Sessions {
    pub fn new(capacity: usize) -> Sessions {
        Sessions {
            capacity: capacity.max(1),
            inner: Mutex::new(Inner::default()),
        }
    }

    pub fn get(&self, session: &str) -> Option<SessionPin> {
        let mut inner = self.inner.lock().ok()?;
        inner.tick += 1;
        let tick = inner.tick;
        inner.pins.get_mut(session).map(|(pin, used)| {
            *used = tick;
            pin.clone()
        })
    }

    /// Records what a session was served with. A quick helper call (a title, a summary) never
    /// replaces the pin of the session's main work.
    pub fn record(&self, session: &str, pin: SessionPin) {
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        inner.tick += 1;
        let tick = inner.tick;
        if pin.kind == Kind::Quick
            && inner
                .pins
                .get(session)
                .is_some_and(|(old, _)| old.kind != Kind::Quick)
        {
            return;
        }
        if !inner.pins.contains_key(session) && inner.pins.len() >= self.capacity {
            // O(n) only when full; n is the configured capacity (1024 by default).
            if let Some(oldest) = inner
                .pins
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| k.clone())
            {
                inner.pins.remove(&oldest);
            }
        }
        inner.pins.insert(session.to_string(), (pin, tick));
    }

    pub fn len(&self) -> usize {
        self.inner.lock().map(|i| i.pins.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pin(model: &str, kind: Kind) -> SessionPin {
        SessionPin {
            model: model.into(),
            num_ctx: 16384,
            kind,
            prompt_tokens: 1000,
        }
    }

    #[test]
    fn evicts_least_recently_used() {
        let s = Sessions::new(2);
        s.record("a", pin("m1", Kind::Daily));
        s.record("b", pin("m2", Kind::Daily));
        assert!(s.get("a").is_some());
        s.record("c", pin("m3", Kind::Daily));
        assert!(s.get("b").is_none());
        assert!(s.get("a").is_some() && s.get("c").is_some());
    }

    #[test]
    fn helper_calls_do_not_replace_the_main_pin() {
        let s = Sessions::new(4);
        s.record("a", pin("qwen3:14b", Kind::Complex));
        s.record("a", pin("qwen2.5:7b", Kind::Quick));
        assert_eq!(s.get("a").unwrap().model, "qwen3:14b");
    }
}
