# Sourced by the scripts that need Python peers. `python_venv DIR PACKAGE…`
# makes a venv at DIR with the packages installed from PyPI, once: a venv
# whose installation did not finish is made again.
python_venv() {
    local dir=$1
    shift
    [[ -f $dir/.installed ]] && return 0
    rm -rf "$dir"
    python3 -m venv "$dir"
    "$dir/bin/pip" install --quiet --disable-pip-version-check "$@"
    touch "$dir/.installed"
}
