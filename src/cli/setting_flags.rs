//! The flags that set settings, made from the settings table
//! ([`crate::settings::KEYS`]): each key with a flag becomes an argument of
//! the commands of its group, with the key's help line and default.

use std::marker::PhantomData;

use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches};

use crate::settings::{Group, KEYS, Key, Style};

/// A group of commands that share setting flags.
pub trait Groups {
    /// The group.
    const GROUP: Group;
}

/// Every client command.
#[derive(Clone, Copy, Debug, Default)]
pub struct Connect;

/// The commands that stay connected: session, run, test, listen, pipe.
#[derive(Clone, Copy, Debug, Default)]
pub struct Stay;

impl Groups for Connect {
    const GROUP: Group = Group::Connect;
}

impl Groups for Stay {
    const GROUP: Group = Group::Stay;
}

/// `ws pipe`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Pipe;

impl Groups for Pipe {
    const GROUP: Group = Group::Pipe;
}

/// The setting flags of group `G` that were given: the key, the flag as
/// written and its value.
#[derive(Clone, Debug, Default)]
pub struct SettingFlags<G> {
    /// `(key, --flag, value)` of each flag given.
    pub given: Vec<(&'static str, String, String)>,
    group: PhantomData<G>,
}

/// The keys with a flag in group `G`.
fn flagged<G: Groups>() -> impl Iterator<Item = &'static Key> {
    KEYS.iter()
        .filter(|key| key.flag.is_some_and(|flag| flag.group == G::GROUP))
}

impl<G: Groups> Args for SettingFlags<G> {
    fn augment_args(mut command: Command) -> Command {
        for key in flagged::<G>() {
            let Some(flag) = key.flag else { continue };
            let arg = Arg::new(key.name).long(flag.long);
            let arg = match flag.style {
                Style::Value => arg.value_name(key.value_name()).help(key.flag_help()),
                Style::Switch(meaning, help) => arg
                    .action(ArgAction::SetTrue)
                    .help(format!("{help} (setting: {} = {meaning})", key.name)),
                Style::OptionalValue(missing) => arg
                    .value_name(key.value_name())
                    .num_args(0..=1)
                    .default_missing_value(missing)
                    .help(key.flag_help()),
            };
            command = command.arg(arg);
        }
        command
    }

    fn augment_args_for_update(command: Command) -> Command {
        Self::augment_args(command)
    }
}

impl<G: Groups> FromArgMatches for SettingFlags<G> {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut given = Vec::new();
        for key in flagged::<G>() {
            let Some(flag) = key.flag else { continue };
            let value = match flag.style {
                Style::Switch(meaning, _) => matches.get_flag(key.name).then(|| meaning.into()),
                _ => matches.get_one::<String>(key.name).cloned(),
            };
            if let Some(value) = value {
                given.push((key.name, format!("--{}", flag.long), value));
            }
        }
        Ok(SettingFlags {
            given,
            group: PhantomData,
        })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}
