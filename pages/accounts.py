"""Accounts (admins): add, change a role, reset a password, disable, enable, remove, and lift
sign-in delays; all audited, all in the store shared by every instance."""

import streamlit as st

from tracker.access import roles
from tracker.ui import auth as auth_ui
from tracker.ui import layout

layout.start_page()  # before anything draws (a link may be a fresh server's first)

st.title("Accounts")
admin = auth_ui.require_role("admin", "manage accounts")
auth_ui.show_flash()
accounts = auth_ui.accounts()
st.caption("Accounts live in the store, so every instance on it shares them; passwords only "
           "as salted argon2 hashes. Viewers see the reviewed dashboard; researchers also "
           "upload, see unreviewed batches and withdraw their own; admins manage every batch, "
           "briefs and accounts. A role change, password reset or disable ends the account's "
           "open sessions at their next click, on every instance.")
auth_ui.state_problems()
st.dataframe(
    accounts.table(), hide_index=True, width="stretch", key="accounts_table",
    column_config={
        "name": st.column_config.TextColumn("User name"),
        "role": st.column_config.TextColumn("Role"),
        "status": st.column_config.TextColumn("Status"),
        "signs_in_with": st.column_config.TextColumn("Signs in with"),
        "open_sessions": st.column_config.NumberColumn("Open sessions"),
        "created_at": st.column_config.TextColumn("Created"),
        "created_by": st.column_config.TextColumn("Created by"),
        "password_changed_at": st.column_config.TextColumn("Password changed"),
    },
)


def _attempt(change, done: str) -> None:
    try:
        change()
    except roles.AccountError as exc:
        st.error(str(exc), icon=":material/error:")
    else:
        auth_ui.flash(done)
        st.rerun()


names = accounts.names()
form_column, _ = st.columns([3, 2])
add_tab, role_tab, password_tab, access_tab, delays_tab = form_column.tabs(
    ["Add an account", "Change a role", "Reset a password", "Disable or remove",
     "Sign-in delays"])
with add_tab, st.form("accounts_add", clear_on_submit=True):
    name = st.text_input("User name", key="accounts_add_name", max_chars=100)
    role = st.selectbox("Role", roles.ROLES, index=1, key="accounts_add_role")
    first = st.text_input("Password", type="password", key="accounts_add_pw1")
    second = st.text_input("Password again", type="password", key="accounts_add_pw2")
    if st.form_submit_button("Add account", type="primary"):
        _attempt(lambda: accounts.add(name, role, first, actor=admin.name, confirm=second),
                 "Account added.")
with role_tab, st.form("accounts_role"):
    who = st.selectbox("Account", names, key="accounts_role_name")
    new_role = st.selectbox("New role", roles.ROLES, key="accounts_role_role")
    if st.form_submit_button("Change role") and who:
        _attempt(lambda: accounts.set_role(who, new_role, actor=admin.name),
                 "Role changed; the account's open sessions ended.")
with password_tab, st.form("accounts_password", clear_on_submit=True):
    whose = st.selectbox("Account", names, key="accounts_pw_name")
    new_pw = st.text_input("New password", type="password", key="accounts_pw_pw1")
    new_again = st.text_input("New password again", type="password", key="accounts_pw_pw2")
    if st.form_submit_button("Reset password") and whose:
        _attempt(lambda: accounts.reset_password(whose, new_pw, actor=admin.name,
                                                 confirm=new_again),
                 "Password reset; the account's open sessions ended and its sign-in delays "
                 "were lifted.")
with access_tab, st.form("accounts_access"):
    target = st.selectbox("Account", names, key="accounts_access_name")
    left, middle, right = st.columns(3)
    if left.form_submit_button("Disable", width="stretch") and target:
        _attempt(lambda: accounts.disable(target, actor=admin.name),
                 "Account disabled; its open sessions ended.")
    if middle.form_submit_button("Enable", width="stretch") and target:
        _attempt(lambda: accounts.enable(target, actor=admin.name), "Account enabled.")
    sure = st.checkbox("Yes, remove this account (its batches and audit entries stay)",
                       key="accounts_remove_sure")
    if right.form_submit_button("Remove", width="stretch") and target:
        if sure:
            _attempt(lambda: accounts.remove(target, actor=admin.name), "Account removed.")
        else:
            st.warning("Tick the box to confirm the removal.", icon=":material/warning:")
with delays_tab:
    locks = accounts.locks()
    if locks.empty:
        st.caption("No sign-in is delayed now. Failed sign-ins earn growing delays per name "
                   "and address; a flood of made-up names never delays a real account.")
    else:
        st.dataframe(locks, hide_index=True, width="stretch", key="accounts_locks",
                     column_config={
                         "name": st.column_config.TextColumn("User name tried"),
                         "address": st.column_config.TextColumn("From"),
                         "failures": st.column_config.NumberColumn("Failures"),
                         "wait_seconds": st.column_config.NumberColumn("Waits (s)"),
                     })
        with st.form("accounts_lift"):
            locked = st.selectbox("Lift the delay on", sorted(set(locks["name"])),
                                  key="accounts_lift_name")
            if st.form_submit_button("Lift delay") and locked:
                _attempt(lambda: accounts.lift(actor=admin.name, name=locked),
                         "Sign-in delay lifted.")
