"""Accounts (admins): add an account, change a role, reset a password; all audited."""

import streamlit as st

from tracker import auth
from tracker.ui import auth as auth_ui
from tracker.ui import layout

layout.start_page()  # before anything draws (a link may be a fresh server's first)

st.title("Accounts")
admin = auth_ui.require_role("admin", "manage accounts")
auth_ui.show_flash()
accounts = auth_ui.accounts()
st.caption("Passwords are stored only as salted argon2 hashes in the state folder. "
           "Viewers see the dashboard; researchers also upload and withdraw their own "
           "batches; admins manage every batch, briefs and accounts.")
st.dataframe(
    accounts.table(), hide_index=True, width="stretch", key="accounts_table",
    column_config={
        "name": st.column_config.TextColumn("User name"),
        "role": st.column_config.TextColumn("Role"),
        "signs_in_with": st.column_config.TextColumn("Signs in with"),
        "created_at": st.column_config.TextColumn("Created"),
        "created_by": st.column_config.TextColumn("Created by"),
        "password_changed_at": st.column_config.TextColumn("Password changed"),
    },
)


def _attempt(change, done: str) -> None:
    try:
        change()
    except auth.AccountError as exc:
        st.error(str(exc), icon=":material/error:")
    else:
        auth_ui.flash(done)
        st.rerun()


form_column, _ = st.columns([3, 2])
add_tab, role_tab, password_tab = form_column.tabs(
    ["Add an account", "Change a role", "Reset a password"])
with add_tab, st.form("accounts_add", clear_on_submit=True):
    name = st.text_input("User name", key="accounts_add_name", max_chars=100)
    role = st.selectbox("Role", auth.ROLES, index=1, key="accounts_add_role")
    first = st.text_input("Password", type="password", key="accounts_add_pw1")
    second = st.text_input("Password again", type="password", key="accounts_add_pw2")
    if st.form_submit_button("Add account", type="primary"):
        _attempt(lambda: accounts.add(name, role, first, actor=admin.name, confirm=second),
                 "Account added.")
with role_tab, st.form("accounts_role"):
    who = st.selectbox("Account", accounts.names(), key="accounts_role_name")
    new_role = st.selectbox("New role", auth.ROLES, key="accounts_role_role")
    if st.form_submit_button("Change role") and who:
        _attempt(lambda: accounts.set_role(who, new_role, actor=admin.name), "Role changed.")
with password_tab, st.form("accounts_password", clear_on_submit=True):
    whose = st.selectbox("Account", accounts.names(), key="accounts_pw_name")
    new_pw = st.text_input("New password", type="password", key="accounts_pw_pw1")
    new_again = st.text_input("New password again", type="password", key="accounts_pw_pw2")
    if st.form_submit_button("Reset password") and whose:
        _attempt(lambda: accounts.reset_password(whose, new_pw, actor=admin.name,
                                                 confirm=new_again),
                 "Password reset; the account's failed sign-ins were cleared.")
