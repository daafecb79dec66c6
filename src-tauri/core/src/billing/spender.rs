//! Which of a HeyGen user's two pools an account is, and what spends it: API keys
//! spend the API wallet (or a usage-based plan), while HeyGen's CLI sign-in, its MCP
//! server and the web app spend the web plan's credits. Credits in one pool do not
//! pay for the other.

use super::Summary;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spender {
    ApiWallet,
    WebPlan,
}

impl Spender {
    /// What spends this pool, for a card.
    pub fn words(self) -> &'static str {
        match self {
            Spender::ApiWallet => "spent by API keys (scripts, render servers, integrations)",
            Spender::WebPlan => "spent by HeyGen's web app, its CLI sign-in and its MCP server",
        }
    }
}

impl Summary {
    /// The pool this account's figures are, from its billing type.
    pub fn spender(&self) -> Option<Spender> {
        match self.billing_type.as_deref()? {
            "wallet" | "usage_based" => Some(Spender::ApiWallet),
            "subscription" => Some(Spender::WebPlan),
            _ => None,
        }
    }
}
