//! `torch.utils`: the data-loading toolkit ([`data`]).

pub mod data;
