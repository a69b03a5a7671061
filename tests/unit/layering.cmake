# The include direction of src/ against the matrix in docs/architecture.md, and a check that
# the checker fails on planted bad includes.
add_test(NAME layering COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/layering.sh ${CMAKE_SOURCE_DIR})
add_test(NAME layering-self-test COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/layering-self-test.sh ${CMAKE_SOURCE_DIR})
set_tests_properties(layering layering-self-test PROPERTIES LABELS unit)
