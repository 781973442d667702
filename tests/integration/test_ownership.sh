#!/usr/bin/env bash
# SPDX-License-Identifier: MPL-2.0
# Owners marked in TXT instead of DHCID ("ownership": "txt", what a zone of a server without DHCID
# gets, as Samba AD's): the conflict test through Kea against named, the marks in TXT records:
# one owner per name, the other claimants refused, the static host kept, clean expiry.
LAB_OWNERSHIP=txt exec bash "$(dirname "$0")/test_conflict.sh" "$@"
